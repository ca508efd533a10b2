"""Benchmark 1: the results computation of the whole scale edition against the floor, one SQL query that reads
and sums every criterion score (per sheet, fetched by the client). Then publishes the results for benchmark 2
and 3 (the award lists it queues go to the bench Redis queue, not run here)."""

import statistics
import time

from common import answer, scale_edition, setup

FLOOR_SQL = """
SELECT sh.entry_id, sh.judge_id, SUM(cs.points)
FROM scoring_criterionscore cs JOIN scoring_scoresheet sh ON sh.id = cs.sheet_id
WHERE sh.status = 'submitted'
GROUP BY sh.id
"""


def floor_seconds() -> tuple[float, int]:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL)
        rows = cursor.fetchall()
    return time.perf_counter() - started, len(rows)


def main():
    setup()
    from django.db import connection

    from scoring.models import CriterionScore, Result, ResultRun
    from scoring.results import execute_run, publish_results

    edition = scale_edition()
    organiser = edition.organisers.get()
    scores = CriterionScore.objects.filter(sheet__entry__edition=edition).count()
    floors, computes = [], []
    for _ in range(3):
        seconds, sheets = floor_seconds()
        floors.append(seconds)
    for _ in range(2):
        connection.close()  # each computation starts like a task: a fresh connection
        run = ResultRun.objects.create(edition=edition, started_by=organiser)
        started = time.perf_counter()
        execute_run(run=run)
        computes.append(time.perf_counter() - started)
    results = Result.objects.filter(category__edition=edition)
    started = time.perf_counter()
    publication = publish_results(edition=edition, user=organiser)
    publish_seconds = time.perf_counter() - started
    answer(
        {
            "criterion_scores": scores,
            "sheets": sheets,
            "floor_runs": floors,
            "floor": statistics.median(floors),
            "compute_runs": computes,
            "compute": max(computes),
            "results": results.count(),
            "ranked": results.filter(ranked=True).count(),
            "graded": results.exclude(grade="").count(),
            "publish": publish_seconds,
            "published_rows": publication.rows.count(),
            "edition": edition.pk,
        }
    )


if __name__ == "__main__":
    main()
