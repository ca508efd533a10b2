"""`make bench`: the national-scale benchmarks, each figure beside a baseline measured in the same run.

1. results computation of the whole edition vs one SQL query reading and summing all criterion scores (<= 3x);
2. the public results page and the JSON API under load (gunicorn, 2 workers, wrk, loopback, Accept-Encoding: gzip)
   vs a bare Django view in the same server, measured around each page (>= 0.5x its requests per second);
3. the award list export of 20,000 rows: time and peak RSS (< 200 MB); then the import of a 10,000-row
   recommendation workbook in rows per second (rolled back; no budget); then the certificates of 2,000 awarded
   entries printed as the worker prints a category's zip vs one document per certificate (faster than it, and
   peak RSS < 300 MB);
4. 100 judges submitting sheets at once: p95 latency, and no sheet lost.

It creates (drops first) its own PostgreSQL database, DATABASE_URL or postgres://postgres@127.0.0.1:5432/qc_bench,
migrates it, seeds it with `manage.py seed_scale`, and uses Redis at BENCH_REDIS_URL (redis://127.0.0.1:6379/5)
and ports BENCH_PORT (8120). Figures go to stdout and bench/results.json. Exit status 1 when a budget is missed.
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

BUDGET_COMPUTE_RATIO = 3.0
BUDGET_LOAD_RATIO = 0.5
BUDGET_EXPORT_MB = 200.0
BUDGET_CERTIFICATES_MB = 300.0
CERTIFICATES = 2000

failures: list[str] = []


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


def wrk(binary, path: str, seconds: int) -> dict:
    url = f"http://127.0.0.1:{PORT}{path}"
    header = ["-H", f"Accept-Encoding: {ACCEPT_ENCODING}"] if ACCEPT_ENCODING else []
    out = subprocess.run(
        [binary, "-t2", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "--latency", *header, url],
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


def against_bare(binary, path: str, seconds: int) -> tuple[dict, dict]:
    """The page for `seconds` between two halves of the bare view's measurement (bare, page, bare).

    On this shared machine req/s drift by a quarter or more within a minute (bench/README.md): a baseline
    measured once before all the pages compared the last pages with another minute's machine."""
    half = max(1, seconds // 2)
    before = wrk(binary, "/bench/bare/", half)
    page = wrk(binary, path, seconds)
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


def main():
    began = time.perf_counter()
    wrk_binary = ensure_wrk()
    say("QC Exchange Portal benchmarks")
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
    figures = {"machine": machine, "seed_seconds": seed_seconds}

    say("\n1. Results computation of the whole edition")
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
    say(f"  (publication of {compute['published_rows']} rows: {compute['publish']:.2f} s, not budgeted)")
    figures["compute"] = {**compute, "ratio": ratio}

    say("\n3. Award list export of the publication (each format in its own process)")
    figures["export"] = {}
    with tempfile.TemporaryDirectory() as folder:
        for fmt in ("xlsx", "csv"):
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

    say("\n3b. Import of a recommendation workbook of 10,000 rows (rolled back; a figure, no budget)")
    imported = run_script("bench/import_rows.py")
    say(
        f"  {imported['created']} of {imported['rows']} rows ({imported['members']} members) in "
        f"{imported['seconds']:.1f} s: {imported['rows_per_second']:.0f} rows/s"
    )
    figures["import"] = imported

    say(f"\n3c. Certificates of {CERTIFICATES} awarded entries: one PDF and its list, zipped (in its own process)")
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
    figures["certificates"] = {**printed, "ratio": ratio}

    encoding = f"Accept-Encoding: {ACCEPT_ENCODING}" if ACCEPT_ENCODING else "no Accept-Encoding"
    say(
        f"\n2. Under load: gunicorn 2 workers on 127.0.0.1:{PORT}, wrk 2 threads, {WRK_CONNECTIONS} connections, "
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
            figures["load"][path] = {**result, **size, "bare": bare, "ratio": ratio}
        bare = combined(bare_runs)
        say(f"  bare Django view, all its runs: {bare['rps']:.0f} req/s, p99 {bare['p99_ms']:.1f} ms")
        figures["load"]["bare"] = bare

        say("\n4. 100 judges submitting sheets at once (real judging page over HTTP, same server)")
        judges = run_script("bench/judges.py", f"http://127.0.0.1:{PORT}", "100", "3")
    finally:
        stop(server)
        flush_redis()
    lost = judges["expected_sheets"] - judges["submitted_sheets"]
    verdict = check(
        "judges",
        lost == 0 and judges["criterion_scores"] == judges["expected_scores"] and not judges["error_count"],
        f"{lost} sheets lost, {judges['error_count']} errors {judges['errors']}",
    )
    say(
        f"  {judges['judges']} judges, {judges['expected_sheets']} sheets in {judges['wall']:.1f} s "
        f"({judges['sheets_per_second']:.0f} sheets/s): submit p50 {judges['post_p50'] * 1000:.0f} ms, "
        f"p95 {judges['post_p95'] * 1000:.0f} ms, max {judges['post_max'] * 1000:.0f} ms (opening the page: p95 "
        f"{judges['get_p95'] * 1000:.0f} ms)"
    )
    say(
        f"  in the database: {judges['submitted_sheets']} of {judges['expected_sheets']} sheets submitted, "
        f"{judges['criterion_scores']} of {judges['expected_scores']} criterion scores; {lost} lost: {verdict}"
    )
    figures["judges"] = judges

    total = time.perf_counter() - began
    figures["total_seconds"] = total
    (BENCH / "results.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    say(f"\nTotal {total / 60:.1f} min. Figures in bench/results.json.")
    if failures:
        say("Budgets missed:\n  " + "\n  ".join(failures))
        raise SystemExit(1)
    say("Every budget is met.")


if __name__ == "__main__":
    main()
