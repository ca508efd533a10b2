"""Benchmark 5: growth. The results computation and the publication of editions of different sizes seeded in the
same database (`manage.py seed_scale --name ...`), each measured the same way: RUNS computations, each from no
results of that edition (its Result rows deleted first), the median taken; then one publication, the first of the
edition (earlier publications of that edition are deleted first, so that every size publishes from scratch and
writes every row). Usage: growth.py NAME [NAME ...] (edition names, year EDITION_YEAR; "main": the edition seeded
by bench/run.py's set-up)."""

import statistics
import sys
import time

from common import answer, setup

RUNS = 3


def measure(name: str) -> dict:
    from django.db import connection

    from demo.scale import EDITION_NAME, EDITION_YEAR
    from events.models import Edition
    from results.models import Publication, Result, ResultRun
    from results.publication import publish_results
    from results.runs import execute_run
    from submissions.models import Entry

    edition = Edition.objects.get(name=EDITION_NAME if name == "main" else name, year=EDITION_YEAR)
    organiser = edition.organisers.get()
    entries = Entry.objects.filter(edition=edition, status=Entry.Status.ACCEPTED).count()
    computes = []
    for _ in range(RUNS):
        Result.objects.filter(category__edition=edition).delete()
        connection.close()  # each computation starts like a task: a fresh connection
        run = ResultRun.objects.create(edition=edition, started_by=organiser)
        started = time.perf_counter()
        execute_run(run=run)
        computes.append(time.perf_counter() - started)
    Publication.objects.filter(edition=edition).delete()
    connection.close()
    started = time.perf_counter()
    publication = publish_results(edition=edition, by=organiser)
    publish = time.perf_counter() - started
    return {
        "name": name,
        "entries": entries,
        "compute_runs": computes,
        "compute": statistics.median(computes),
        "publish": publish,
        "published_rows": publication.rows.count(),
    }


def main():
    setup()
    answer({"editions": [measure(name) for name in sys.argv[1:]]})


if __name__ == "__main__":
    main()
