"""Helpers shared by the benchmark scripts: Django set-up and the one-line JSON answer to bench/run.py."""

import json
import os
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def answer(data: dict) -> None:
    """The last line of stdout: what bench/run.py reads."""
    print("BENCH " + json.dumps(data), flush=True)


def scale_edition():
    from demo.scale import EDITION_NAME, EDITION_YEAR
    from events.models import Edition

    return Edition.objects.get(name=EDITION_NAME, year=EDITION_YEAR)
