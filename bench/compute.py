"""Benchmark 1: the results computation of the whole scale edition against the floor, one SQL query that reads
and sums every criterion score (per sheet, fetched by the client). Floor and computation alternate, RUNS times
each, and each computation starts from an edition without results (as the first one does: every result is
written); the medians are compared. One more computation over the stored results (nothing changed, nothing
written) is shown too. Then the results are published PUBLICATIONS times, each the edition's first publication
(the earlier ones deleted, a fresh connection), the median compared with the computation's; the last one stays
for the steps after (the award lists it queues go to the bench Redis queue, not run here)."""

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


RUNS = 5
PUBLICATIONS = 3


def timed_run(edition, organiser) -> float:
    from results.models import ResultRun
    from results.runs import execute_run

    run = ResultRun.objects.create(edition=edition, started_by=organiser)
    started = time.perf_counter()
    execute_run(run=run)
    return time.perf_counter() - started


def main():
    setup()
    from django.db import connection

    from results.models import Publication, Result
    from results.publication import publish_results
    from scoring.models import CriterionScore

    edition = scale_edition()
    organiser = edition.organisers.get()
    scores = CriterionScore.objects.filter(sheet__entry__edition=edition).count()
    floors, computes = [], []
    for _ in range(RUNS):
        seconds, sheets = floor_seconds()
        floors.append(seconds)
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE results_result")  # the bench database holds this edition only
        connection.close()  # each computation starts like a task: a fresh connection
        computes.append(timed_run(edition, organiser))
    recompute = timed_run(edition, organiser)
    results = Result.objects.filter(category__edition=edition)
    publishes = []
    for _ in range(PUBLICATIONS):
        Publication.objects.filter(edition=edition).delete()
        connection.close()
        started = time.perf_counter()
        publication = publish_results(edition=edition, by=organiser)
        publishes.append(time.perf_counter() - started)
    answer(
        {
            "criterion_scores": scores,
            "sheets": sheets,
            "floor_runs": floors,
            "floor": statistics.median(floors),
            "compute_runs": computes,
            "compute": statistics.median(computes),
            "recompute": recompute,
            "results": results.count(),
            "ranked": results.filter(ranked=True).count(),
            "graded": results.exclude(grade="").count(),
            "publish_runs": publishes,
            "publish": statistics.median(publishes),
            "published_rows": publication.rows.count(),
            "edition": edition.pk,
        }
    )


if __name__ == "__main__":
    main()
