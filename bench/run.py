"""`make bench`: the national-scale benchmarks, each figure beside a baseline measured in the same run, with the
goals of issue 18 as budgets (bench/README.md):

1. the results computation of the whole 20,000-entry edition vs one SQL query reading and summing every criterion
   score (five-run medians; <= 2x);
2. its publication (every protocol built and frozen, every total checked) vs the computation's median (<= 3x);
4. the award list of 20,000 rows, .xlsx vs .csv (<= 5x), each in its own process (peak RSS < 200 MB); then the
   import of a 10,000-row recommendation workbook in rows per second (rolled back; no budget);
6. the certificates of 2,000 awarded entries printed by the worker's function vs one document per certificate
   (faster, and peak RSS < 300 MB);
5. growth: the computation and the publication of editions of 10,000, 20,000 and 40,000 entries (BENCH_GROWTH),
   the time per entry, doubling the entries at most 2.2x the time;
   the public results page and the JSON API under load (gunicorn, 2 workers, wrk, loopback, Accept-Encoding: gzip)
   vs a bare Django view in the same server, measured around each page (>= 0.5x its requests per second);
3. the judges' scoring page and the sheet's save under wrk with judges' sessions (>= 0.1x the bare view), then
   100 judges at once (submit p95 <= 1 s, no sheet lost) and 400 judges at once (no sheet lost, p95 printed).

It creates (drops first) its own PostgreSQL database, DATABASE_URL or postgres://postgres@127.0.0.1:5432/qc_bench,
migrates it, seeds it with `manage.py seed_scale`, and uses Redis at BENCH_REDIS_URL (redis://127.0.0.1:6379/5)
and ports BENCH_PORT (8120). Figures go to stdout (a closing table) and bench/results.json. Exit status 1 when a
budget is missed.
"""

import gzip
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/qc_bench"
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "10"))
WRK_CONNECTIONS = int(os.environ.get("BENCH_WRK_CONNECTIONS", "16"))
PORT = int(os.environ.get("BENCH_PORT", "8120"))
# What browsers (and most HTTP libraries) send; sent for every URL, the bare view's included. Empty: no header.
ACCEPT_ENCODING = os.environ.get("BENCH_ACCEPT_ENCODING", "gzip")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")

BUDGET_COMPUTE_RATIO = 2.0  # the computation against the floor query (medians of five)
BUDGET_PUBLISH_RATIO = 3.0  # the publication against the computation's median
BUDGET_LOAD_RATIO = 0.5  # public pages against the bare view, req/s
BUDGET_JUDGE_RATIO = 0.1  # the judges' scoring page and sheet save against the bare view, req/s
BUDGET_BURST_P95 = 1.0  # seconds, the 100 judges' submit p95
BUDGET_XLSX_RATIO = 5.0  # the award list's .xlsx against its .csv
BUDGET_EXPORT_MB = 200.0
BUDGET_CERTIFICATES_MB = 300.0
BUDGET_GROWTH = 2.2  # time at twice the entries against the time at the entries
CERTIFICATES = 2000
# The sizes of the growth benchmark: the main edition (20,000) and editions seeded beside it after the other steps.
GROWTH = [int(n) for n in os.environ.get("BENCH_GROWTH", "10000,20000,40000").split(",") if n]
MAIN_ENTRIES = 20_000

failures: list[str] = []
summary: list[tuple] = []  # (goal, figure, baseline, measured, ratio, budget, verdict) for the closing table


def record(goal, figure, baseline, measured, ratio, budget, verdict):
    shown = "" if ratio is None else f"{ratio:.3f}" if ratio < 0.1 else f"{ratio:.2f}"
    summary.append((goal, figure, baseline, measured, shown, budget, verdict))


def uptime() -> str:
    """What `uptime` prints (the load averages over 1, 5 and 15 minutes): the machine's load when a run starts."""
    found = shutil.which("uptime")
    if found:
        return subprocess.run([found], capture_output=True, text=True).stdout.strip()
    return "load average: " + ", ".join(Path("/proc/loadavg").read_text().split()[:3])


def say(text=""):
    print(text, flush=True)


def env(**extra) -> dict:
    values = dict(os.environ)
    values.update(
        {
            "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DB),
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "false",
            "SECURE_SSL": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "REDIS_URL": REDIS_URL,
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    values.pop("CELERY_BROKER_URL", None)
    values.update(extra)
    return values


def run_script(*args, **extra) -> dict:
    """Run a benchmark script in its own process and return the JSON of its BENCH line."""
    completed = subprocess.run([PYTHON, *args], cwd=ROOT, env=env(**extra), capture_output=True, text=True)
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"{args[0]} failed (exit {completed.returncode})")
    for line in reversed(completed.stdout.splitlines()):
        if line.startswith("BENCH "):
            return json.loads(line[6:])
    raise SystemExit(f"{args[0]} printed no figures:\n{completed.stdout}{completed.stderr}")


def check(name: str, ok: bool, detail: str) -> str:
    if not ok:
        failures.append(f"{name}: {detail}")
    return "within budget" if ok else "BUDGET MISSED"


# --- set-up ----------------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("wrk is missing: install it with `sudo apt-get install -y wrk` (Debian's package).")
    say("Installing wrk from Debian's packages...")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    if subprocess.run(["apt-get", "install", "-y", "wrk"], **quiet).returncode != 0:
        subprocess.run(["apt-get", "update"], **quiet, check=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], **quiet, check=True)
    return shutil.which("wrk")


def reset_database() -> str:
    import psycopg2
    from psycopg2 import sql

    url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    parts = re.match(r"^(postgres(?:ql)?://[^/]*)/([^?]+)", url)
    if not parts:
        raise SystemExit(f"DATABASE_URL must be a PostgreSQL URL, not {url!r}")
    name = parts.group(2)
    admin = psycopg2.connect(f"{parts.group(1)}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    admin.close()
    return version


def flush_redis():
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def timed(label, args, **extra) -> float:
    started = time.perf_counter()
    completed = subprocess.run(args, cwd=ROOT, env=env(**extra), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"{label} failed")
    last = (completed.stdout.strip().splitlines() or [""])[-1]
    say(f"  {label}: {seconds:.1f} s  {last}")
    return seconds


# --- the load benchmark ----------------------------------------------------------------------------------


def start_gunicorn():
    log = open(tempfile.gettempdir() + f"/qc_bench_gunicorn_{PORT}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "portal.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--timeout",
            "120",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env(),
        stdout=log,
        stderr=log,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/bench/bare/", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"gunicorn did not answer on port {PORT}: see {log.name}")


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def wrk(binary, path: str, seconds: int, script: str | None = None) -> dict:
    """wrk on a path, or with a Lua script that makes the requests (the judges' pages: bench/judges.py)."""
    url = f"http://127.0.0.1:{PORT}{path}"
    header = ["-H", f"Accept-Encoding: {ACCEPT_ENCODING}"] if ACCEPT_ENCODING and not script else []
    lua = ["-s", script] if script else []
    out = subprocess.run(
        [binary, "-t2", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "--latency", *header, *lua, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    factor = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return {
        "rps": rps,
        "p99_ms": float(p99.group(1)) * factor,
        "requests": requests,
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def combined(runs: list[dict]) -> dict:
    """Runs of equal length as one: mean req/s, worst p99, all requests and errors."""
    return {
        "rps": sum(run["rps"] for run in runs) / len(runs),
        "p99_ms": max(run["p99_ms"] for run in runs),
        "requests": sum(run["requests"] for run in runs),
        "non_2xx": sum(run["non_2xx"] for run in runs),
    }


def against_bare(binary, path: str, seconds: int, script: str | None = None) -> tuple[dict, dict]:
    """The page for `seconds` between two halves of the bare view's measurement (bare, page, bare).

    On this shared machine req/s drift by a quarter or more within a minute (bench/README.md): a baseline
    measured once before all the pages compared the last pages with another minute's machine."""
    half = max(1, seconds // 2)
    before = wrk(binary, "/bench/bare/", half)
    page = wrk(binary, path, seconds, script)
    after = wrk(binary, "/bench/bare/", half)
    return page, combined([before, after])


def check_page(path: str) -> dict:
    """The page answers in full, plain and (when the benchmark sends Accept-Encoding) compressed: its sizes."""
    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}{path}", timeout=30) as response:
        body = response.read()
        if response.status != 200 or len(body) < 1000:
            raise SystemExit(f"{path} answered {response.status} with {len(body)} bytes: not a results page")
    sizes = {"bytes": len(body), "bytes_sent": len(body)}
    if ACCEPT_ENCODING:
        request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", headers={"Accept-Encoding": ACCEPT_ENCODING})
        with urllib.request.urlopen(request, timeout=30) as response:
            sent = response.read()
            encoding = response.headers.get("Content-Encoding", "")
        unpacked = gzip.decompress(sent) if encoding == "gzip" else sent
        if len(unpacked) != len(body):  # the same page (an HTML page's CSRF token has a fixed length)
            raise SystemExit(f"{path} with Accept-Encoding {ACCEPT_ENCODING!r}: {len(unpacked)} bytes, not {len(body)}")
        sizes["bytes_sent"] = len(sent)
    return sizes


# --- main --------------------------------------------------------------------------------------------------


def seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def main():
    began = time.perf_counter()
    wrk_binary = ensure_wrk()
    say("QC Exchange Portal benchmarks")
    started_at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load = uptime()
    say(f"Started {started_at}; uptime: {load}")
    pg = reset_database()
    flush_redis()
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    memory = int(next(line.split()[1] for line in meminfo if line.startswith("MemTotal"))) // 1024**2
    machine = f"{os.cpu_count()} cores ({cpu}), {memory} GiB, {pg}, Python {platform.python_version()}"
    say(f"Machine: {machine}")
    say("Set-up")
    timed("migrate", [PYTHON, "manage.py", "migrate", "--noinput", "-v0"])
    seed_seconds = timed("seed_scale", [PYTHON, "manage.py", "seed_scale"])
    figures = {"machine": machine, "started": started_at, "uptime_at_start": load, "seed_seconds": seed_seconds}

    say("\nGoals 1 and 2. Results computation of the whole edition; its publication")
    compute = run_script("bench/compute.py", CELERY_BROKER_URL=REDIS_URL)  # publication's award lists only queued
    flush_redis()
    ratio = compute["compute"] / compute["floor"]
    verdict = check("results computation", ratio <= BUDGET_COMPUTE_RATIO, f"ratio {ratio:.2f} > {BUDGET_COMPUTE_RATIO}")
    say(
        f"  floor (one query summing {compute['criterion_scores']} criterion scores into {compute['sheets']} sheet "
        f"totals): median {compute['floor']:.3f} s  (runs: {', '.join(f'{s:.3f}' for s in compute['floor_runs'])})"
    )
    say(
        f"  compute_results, {compute['results']} entries ({compute['ranked']} ranked, {compute['graded']} graded), "
        f"each run from no results: median {compute['compute']:.3f} s  "
        f"(runs, alternating with the floor's: {', '.join(f'{s:.3f}' for s in compute['compute_runs'])}; "
        f"computed again over its own results: {compute['recompute']:.3f} s)"
    )
    say(f"  ratio {ratio:.2f} (budget <= {BUDGET_COMPUTE_RATIO}): {verdict}")
    record(
        1,
        f"results computation, {compute['results']:,} entries, from no results",
        f"floor query, median {compute['floor']:.2f} s",
        f"median {compute['compute']:.2f} s (again over its own results {compute['recompute']:.2f} s)",
        ratio,
        f"<= {BUDGET_COMPUTE_RATIO}",
        verdict,
    )
    publish_ratio = compute["publish"] / compute["compute"]
    verdict = check(
        "publication", publish_ratio <= BUDGET_PUBLISH_RATIO, f"ratio {publish_ratio:.2f} > {BUDGET_PUBLISH_RATIO}"
    )
    say(
        f"  publication of {compute['published_rows']} rows (protocols built and frozen, every total checked): "
        f"median {compute['publish']:.2f} s (runs, each the edition's first publication: "
        f"{', '.join(f'{s:.2f}' for s in compute['publish_runs'])}); "
        f"{publish_ratio:.2f} times the computation's median "
        f"(budget <= {BUDGET_PUBLISH_RATIO}): {verdict}"
    )
    record(
        2,
        f"publication, {compute['published_rows']:,} rows",
        f"the computation's median {compute['compute']:.2f} s",
        f"median {seconds(compute['publish'])} (runs {', '.join(f'{s:.1f}' for s in compute['publish_runs'])})",
        publish_ratio,
        f"<= {BUDGET_PUBLISH_RATIO}",
        verdict,
    )
    figures["compute"] = {**compute, "ratio": ratio, "publish_ratio": publish_ratio}

    say("\nGoal 4. Award list export of the publication (each format in its own process)")
    figures["export"] = {}
    with tempfile.TemporaryDirectory() as folder:
        for fmt in ("csv", "xlsx"):
            export = run_script("bench/export.py", fmt, f"{folder}/awards.{fmt}")
            export["bytes"] = Path(f"{folder}/awards.{fmt}").stat().st_size
            peak = export["peak_rss_mb"]
            verdict = check(f"{fmt} export", peak < BUDGET_EXPORT_MB, f"{peak:.0f} MB")
            say(
                f"  {fmt}: {export['rows']} rows, {export['bytes'] / 1024**2:.1f} MB file in {export['seconds']:.2f} s;"
                f" peak RSS {peak:.0f} MB (process before the export: {export['rss_before_mb']:.0f} MB;"
                f" budget < {BUDGET_EXPORT_MB:.0f} MB): {verdict}"
            )
            figures["export"][fmt] = export
    csv_figures, xlsx_figures = figures["export"]["csv"], figures["export"]["xlsx"]
    xlsx_ratio = xlsx_figures["seconds"] / csv_figures["seconds"]
    peaks_ok = max(csv_figures["peak_rss_mb"], xlsx_figures["peak_rss_mb"]) < BUDGET_EXPORT_MB
    verdict = check("xlsx export against csv", xlsx_ratio <= BUDGET_XLSX_RATIO, f"ratio {xlsx_ratio:.2f}")
    say(f"  .xlsx {xlsx_ratio:.2f} times the .csv's time (budget <= {BUDGET_XLSX_RATIO}): {verdict}")
    record(
        4,
        f"award list .xlsx, {xlsx_figures['rows']:,} rows (宋体/仿宋, write-only)",
        f".csv {seconds(csv_figures['seconds'])}, peak RSS {csv_figures['peak_rss_mb']:.0f} MB",
        f"{seconds(xlsx_figures['seconds'])}, peak RSS {xlsx_figures['peak_rss_mb']:.0f} MB",
        xlsx_ratio,
        f"<= {BUDGET_XLSX_RATIO}, peaks < {BUDGET_EXPORT_MB:.0f} MB",
        verdict if peaks_ok else "BUDGET MISSED",
    )

    say("\nImport of a recommendation workbook of 10,000 rows (rolled back; a figure, no budget)")
    imported = run_script("bench/import_rows.py")
    say(
        f"  {imported['created']} of {imported['rows']} rows ({imported['members']} members) in "
        f"{imported['seconds']:.1f} s: {imported['rows_per_second']:.0f} rows/s"
    )
    figures["import"] = imported

    say(
        f"\nGoal 6. Certificates of {CERTIFICATES} awarded entries, printed by the worker's function"
        " (one PDF and its list, zipped) in a process of its own"
    )
    printed = run_script("bench/certificates.py", str(CERTIFICATES))
    peak = printed["peak_rss_mb"]
    ratio = printed["cpu_seconds"] / printed["baseline_one_document_each_cpu_seconds"]
    verdict = check(
        "certificates", peak < BUDGET_CERTIFICATES_MB and ratio < 1, f"{peak:.0f} MB, ratio {ratio:.2f} to one each"
    )
    megabytes = printed["zip_bytes"] / 1024**2
    baseline = printed["baseline_one_document_each_cpu_seconds"]
    say(
        f"  {printed['certificates']} certificates in {printed['seconds']:.1f} s ({printed['cpu_seconds']:.1f} s CPU,"
        f" {1000 * printed['cpu_seconds'] / printed['certificates']:.1f} ms each), {megabytes:.1f} MB zip;"
        f" baseline, one document per certificate (measured over {printed['baseline_sample']}): {baseline:.1f} s CPU;"
        f" ratio {ratio:.2f} (CPU time); peak RSS {peak:.0f} MB (process before: {printed['rss_before_mb']:.0f} MB;"
        f" budget < {BUDGET_CERTIFICATES_MB:.0f} MB): {verdict}"
    )
    record(
        6,
        f"certificates, {printed['certificates']:,} in one zip",
        f"one document each: {baseline:.0f} s CPU",
        f"{seconds(printed['seconds'])} ({printed['cpu_seconds']:.1f} s CPU), peak RSS {peak:.0f} MB",
        ratio,
        f"< 1, peak < {BUDGET_CERTIFICATES_MB:.0f} MB",
        verdict,
    )
    figures["certificates"] = {**printed, "ratio": ratio}

    # Before the load steps: seed_scale refuses a database holding accounts it did not make (the judges' fixtures).
    growth(figures)

    encoding = f"Accept-Encoding: {ACCEPT_ENCODING}" if ACCEPT_ENCODING else "no Accept-Encoding"
    say(
        f"\nUnder load (public pages; goal 3, the judges' pages): gunicorn 2 workers on 127.0.0.1:{PORT}, "
        f"wrk 2 threads, {WRK_CONNECTIONS} connections, "
        f"{encoding} (bare view too); each page {WRK_SECONDS} s between two halves of the bare view's {WRK_SECONDS} s"
    )
    server = start_gunicorn()
    figures["load"] = {"accept_encoding": ACCEPT_ENCODING}
    try:
        pages = {
            "public results page": "/results/",
            "JSON API results": "/api/v1/results/",
            "public results page, one edition, page 7": f"/results/?edition={compute['edition']}&page=7",
            "JSON API results, page 7 of 200 rows": "/api/v1/results/?page=7&page_size=200",
        }
        sizes = {}
        for path in ["/bench/bare/", *pages.values()]:
            if path != "/bench/bare/":
                sizes[path] = check_page(path)
            wrk(wrk_binary, path, 2)  # warm-up: imports, connections, caches
        bare_runs = []
        for label, path in pages.items():
            result, bare = against_bare(wrk_binary, path, WRK_SECONDS)
            bare_runs.append(bare)
            ratio = result["rps"] / bare["rps"]
            verdict = check(label, ratio >= BUDGET_LOAD_RATIO and not result["non_2xx"], f"ratio {ratio:.2f}")
            size = sizes[path]
            sent = f", {size['bytes_sent'] / 1024:.1f} KB sent" if size["bytes_sent"] != size["bytes"] else ""
            say(
                f"  {label} ({path}; {size['bytes'] / 1024:.1f} KB{sent}): {result['rps']:.0f} req/s, "
                f"p99 {result['p99_ms']:.1f} ms; bare view around it {bare['rps']:.0f} req/s, "
                f"p99 {bare['p99_ms']:.1f} ms; ratio {ratio:.2f} of the bare view (budget >= {BUDGET_LOAD_RATIO}), "
                f"{result['non_2xx']} errors: {verdict}"
            )
            record(
                "-",
                f"{label} ({size['bytes'] / 1024:.0f} KB{sent})",
                f"bare view around it {bare['rps']:,.0f} req/s",
                f"{result['rps']:,.0f} req/s, p99 {result['p99_ms']:.0f} ms",
                ratio,
                f">= {BUDGET_LOAD_RATIO}",
                verdict,
            )
            figures["load"][path] = {**result, **size, "bare": bare, "ratio": ratio}

        judges_load(wrk_binary, figures, bare_runs)
        bare = combined(bare_runs)
        say(f"  bare Django view, all its runs: {bare['rps']:.0f} req/s, p99 {bare['p99_ms']:.1f} ms")
        figures["load"]["bare"] = bare

        say("\nGoal 3. Judges at once: each opens each entry's scoring page and submits the sheet (same server)")
        figures["judges"] = {}
        for count, per_venue, budget in ((100, 3, BUDGET_BURST_P95), (400, 1, None)):
            figures["judges"][count] = burst(count, per_venue, budget)
    finally:
        stop(server)
        flush_redis()

    total = time.perf_counter() - began
    figures["total_seconds"] = total
    figures["summary"] = summary
    (BENCH / "results.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    say(f"\nSummary (started {started_at}; uptime then: {load}; at the end: {uptime()})")
    say("| goal | figure | baseline | measured | ratio | budget | verdict |")
    say("| --- | --- | --- | --- | --- | --- | --- |")
    for line in summary:
        say("| " + " | ".join(str(cell) for cell in line) + " |")
    say(f"\nTotal {total / 60:.1f} min. Figures in bench/results.json.")
    if failures:
        say("BUDGET MISSED:\n  " + "\n  ".join(failures))
        raise SystemExit(1)
    say("Every budget is met.")


def judges_load(wrk_binary, figures, bare_runs):
    """The judges' scoring page and the sheet's save under wrk, judges' sessions (bench/judges.py wrk)."""
    with tempfile.TemporaryDirectory() as folder:
        get_script, post_script = f"{folder}/get.lua", f"{folder}/post.lua"
        # 400 judges, 200 a wrk thread: a judge's next save is sent about 200 requests after its last one, which
        # has long been answered (with 50 a thread, a save answered after more than a second met its successor
        # at the sheet's lock, and the successor's version was refused as stale).
        fixture = run_script(
            "bench/judges.py", "wrk", f"http://127.0.0.1:{PORT}", "400", get_script, post_script, ACCEPT_ENCODING
        )
        for label, script in (
            ("judge's scoring page (GET, the judge's draft sheet)", get_script),
            ("judge's sheet saved (POST of the page's form, a real save each time)", post_script),
        ):
            if script == get_script:
                wrk(wrk_binary, "/", 2, script)  # warm-up
            before = run_script("bench/judges.py", "drafts", str(fixture["edition"]))["drafts"]
            result, bare = against_bare(wrk_binary, "/", WRK_SECONDS, script)
            bare_runs.append(bare)
            ratio = result["rps"] / bare["rps"]
            detail = ""
            ok = ratio >= BUDGET_JUDGE_RATIO and not result["non_2xx"]
            if script == post_script:
                saved = run_script("bench/judges.py", "drafts", str(fixture["edition"]))["drafts"] - before
                # wrk counts the answers it read; a request still running when it stops is saved and not counted.
                ok = ok and saved >= result["requests"]
                detail = f"; {saved} drafts saved in the database (audit rows) for {result['requests']} answers"
                result["saved"] = saved
            verdict = check(label, ok, f"ratio {ratio:.2f}, {result['non_2xx']} errors{detail}")
            say(
                f"  {label}, {fixture['judges']} judges in turn: {result['rps']:.0f} req/s,"
                f" p99 {result['p99_ms']:.1f} ms;"
                f" bare view around it {bare['rps']:.0f} req/s; ratio {ratio:.3f} of the bare view"
                f" (budget >= {BUDGET_JUDGE_RATIO}), {result['non_2xx']} errors{detail}: {verdict}"
            )
            record(
                3,
                f"{label}, {fixture['judges']} judges",
                f"bare view around it {bare['rps']:,.0f} req/s",
                f"{result['rps']:,.0f} req/s, p99 {result['p99_ms']:.0f} ms",
                ratio,
                f">= {BUDGET_JUDGE_RATIO}",
                verdict,
            )
            figures["load"]["judges " + ("get" if script == get_script else "post")] = {
                **result,
                "bare": bare,
                "ratio": ratio,
            }


def burst(count: int, per_venue: int, budget: float | None) -> dict:
    judges = run_script("bench/judges.py", f"http://127.0.0.1:{PORT}", str(count), str(per_venue))
    lost = judges["expected_sheets"] - judges["submitted_sheets"]
    complete = lost == 0 and judges["criterion_scores"] == judges["expected_scores"] and not judges["error_count"]
    fast = budget is None or judges["post_p95"] <= budget
    verdict = check(
        f"{count} judges",
        complete and fast,
        f"{lost} sheets lost, {judges['error_count']} errors {judges['errors']}, p95 {judges['post_p95']:.2f} s",
    )
    say(
        f"  {judges['judges']} judges, {judges['expected_sheets']} sheets in {judges['wall']:.1f} s "
        f"({judges['sheets_per_second']:.0f} sheets/s): submit p50 {judges['post_p50'] * 1000:.0f} ms, "
        f"p95 {judges['post_p95'] * 1000:.0f} ms, max {judges['post_max'] * 1000:.0f} ms (opening the page: p95 "
        f"{judges['get_p95'] * 1000:.0f} ms); in the database: {judges['submitted_sheets']} of "
        f"{judges['expected_sheets']} sheets submitted, {judges['criterion_scores']} of {judges['expected_scores']} "
        f"criterion scores; {lost} lost"
        + (f" (budget: p95 <= {budget} s, none lost)" if budget else " (budget: none lost; p95 a figure)")
        + f": {verdict}"
    )
    record(
        3,
        f"{count} judges at once, {judges['expected_sheets']} sheets",
        "",
        f"submit p95 {judges['post_p95']:.2f} s (open p95 {judges['get_p95']:.2f} s), "
        f"{judges['submitted_sheets']}/{judges['expected_sheets']} sheets",
        None,
        (f"p95 <= {budget} s, " if budget else "") + "0 lost",
        verdict,
    )
    return judges


def growth(figures):
    """Goal 5: the computation and the publication at each size of GROWTH, editions seeded beside the main one."""
    say(f"\nGoal 5. Growth: computation and publication at {', '.join(f'{n:,}' for n in GROWTH)} entries")
    names = []
    for entries in GROWTH:
        if entries == MAIN_ENTRIES:
            names.append("main")  # the edition seeded first (bench/growth.py)
            continue
        name = f"规模增长测试{entries}"
        venues = max(3, entries // 50)  # 50 entries a venue, as the main edition
        timed(
            f"seed_scale --entries {entries}",
            [PYTHON, "manage.py", "seed_scale", "--entries", str(entries), "--venues", str(venues), "--name", name],
        )
        names.append(name)
    measured = run_script("bench/growth.py", *names, CELERY_BROKER_URL=REDIS_URL)["editions"]
    flush_redis()
    previous = None
    for item in measured:
        say(
            f"  {item['entries']:,} entries: computation median {item['compute']:.2f} s "
            f"({1e6 * item['compute'] / item['entries']:.0f} µs an entry; runs "
            f"{', '.join(f'{s:.2f}' for s in item['compute_runs'])}), publication {item['publish']:.2f} s "
            f"({1e6 * item['publish'] / item['entries']:.0f} µs an entry)"
        )
        if previous is not None:
            size = item["entries"] / previous["entries"]
            for key, label in (("compute", "computation"), ("publish", "publication")):
                ratio = item[key] / previous[key]
                # Doubling the entries: at most BUDGET_GROWTH times the time (other steps: scaled to the size).
                allowed = BUDGET_GROWTH * size / 2
                verdict = check(
                    f"growth of the {label}", ratio <= allowed, f"{previous['entries']}->{item['entries']}: {ratio:.2f}"
                )
                say(
                    f"    {label}, {previous['entries']:,} -> {item['entries']:,} entries: {ratio:.2f} times the time"
                    f" (budget <= {allowed:.1f}): {verdict}"
                )
                record(
                    5,
                    f"{label}, {previous['entries']:,} -> {item['entries']:,} entries",
                    f"{seconds(previous[key])} ({1e6 * previous[key] / previous['entries']:.0f} µs an entry)",
                    f"{seconds(item[key])} ({1e6 * item[key] / item['entries']:.0f} µs an entry)",
                    ratio,
                    f"<= {allowed:.1f}",
                    verdict,
                )
        previous = item
    figures["growth"] = measured


if __name__ == "__main__":
    main()
