"""The runs of the results computation: which run start_run reuses, and one computation at a time per edition."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from results import computation, runs
from results.models import Result, ResultRun
from tests import factories, scenarios
from tests.conftest import need, postgres_available


def result_rows(edition):
    return list(
        Result.objects.filter(category__edition=edition)
        .order_by("entry_id")
        .values_list("entry_id", "final_score", "ranked", "rank", "grade")
    )


@pytest.mark.django_db
def test_start_run_reuses_a_queued_run(django_capture_on_commit_callbacks, organiser):
    edition = factories.EditionFactory(status="judging")
    waiting = factories.ResultRunFactory(edition=edition)

    with django_capture_on_commit_callbacks(execute=False):
        run = runs.start_run(edition=edition, by=organiser)

    assert run.pk == waiting.pk
    assert ResultRun.objects.filter(edition=edition).count() == 1


@pytest.mark.django_db
def test_start_run_queues_a_new_run_while_one_is_running(django_capture_on_commit_callbacks, organiser):
    edition = factories.EditionFactory(status="judging")
    running = factories.ResultRunFactory(edition=edition, status=ResultRun.Status.RUNNING)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = runs.start_run(edition=edition, by=organiser)

    assert run.pk != running.pk
    assert run.status == ResultRun.Status.QUEUED
    assert len(callbacks) == 1
    assert list(ResultRun.objects.filter(edition=edition).values_list("status", flat=True).order_by("pk")) == [
        ResultRun.Status.RUNNING,
        ResultRun.Status.QUEUED,
    ]


@pytest.mark.django_db
def test_execute_run_leaves_a_run_found_done_as_it_is():
    category = scenarios.category()
    venue, judges = scenarios.venue(category, judges=3)
    scenarios.scored_entry(venue, judges, [80, 80, 80])
    done = factories.ResultRunFactory(
        edition=category.edition, status=ResultRun.Status.DONE, fingerprint="f" * 64, progress=100
    )

    run = runs.execute_run(run=done)

    assert (run.status, run.fingerprint) == (ResultRun.Status.DONE, "f" * 64)
    assert Result.objects.count() == 0


@pytest.mark.django_db
def test_latest_done_run_is_the_run_that_finished_last():
    edition = factories.EditionFactory(status="judging")
    now = timezone.now()
    newer = factories.ResultRunFactory(edition=edition, status=ResultRun.Status.DONE)
    older = factories.ResultRunFactory(edition=edition, status=ResultRun.Status.DONE)
    ResultRun.objects.filter(pk=newer.pk).update(finished_at=now)
    ResultRun.objects.filter(pk=older.pk).update(finished_at=now - timedelta(minutes=1))
    factories.ResultRunFactory(edition=edition, status=ResultRun.Status.FAILED, finished_at=now + timedelta(minutes=1))

    assert runs.latest_done_run(edition) == newer


@pytest.mark.django_db(transaction=True)
def test_two_runs_started_at_once_never_interleave(monkeypatch):
    need("PostgreSQL", postgres_available(), "the edition's lock is a PostgreSQL advisory lock")
    edition = factories.EditionFactory(status="judging")
    for scores in ([80, 81, 82], [70, 75, 90]):
        category = scenarios.category(edition)
        venue, judges = scenarios.venue(category, judges=3)
        scenarios.scored_entry(venue, judges, scores)
        scenarios.scored_entry(venue, judges, [60, 65, 70])
    queued = [factories.ResultRunFactory(edition=edition) for _ in range(2)]

    events = []
    real_store = computation.store_category

    def slow_store(item):
        events.append((threading.current_thread().name, item.category.pk))
        time.sleep(0.1)  # without the lock, the other run stores its categories meanwhile
        return real_store(item)

    monkeypatch.setattr(computation, "store_category", slow_store)
    barrier = threading.Barrier(2)
    errors = []

    def execute(run_id):
        try:
            barrier.wait(timeout=10)
            runs.execute_run(run=ResultRun.objects.select_related("edition").get(pk=run_id))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=execute, args=(run.pk,), name=f"run{run.pk}") for run in queued]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    order = [name for name, _category in events]
    assert len(order) == 4
    assert order[0] == order[1] and order[2] == order[3] and order[0] != order[2]  # one run, then the other
    stored = result_rows(edition)
    fingerprints = set(ResultRun.objects.filter(edition=edition).values_list("fingerprint", flat=True))
    statuses = set(ResultRun.objects.filter(edition=edition).values_list("status", flat=True))
    monkeypatch.setattr(computation, "store_category", real_store)

    single = computation.compute_results(edition=edition)

    assert statuses == {ResultRun.Status.DONE}
    assert fingerprints == {single}
    assert stored == result_rows(edition)
    assert len(stored) == 4
