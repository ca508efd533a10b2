"""The runs of the results computation: which run start_run reuses, and one computation at a time per edition."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import ngettext

from events.models import AuditEvent
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


# --- signs of life, the sweep of stale runs, cancelling --------------------------------------------------


def two_categories():
    """An edition of two categories of two scored entries each."""
    edition = factories.EditionFactory(status="judging")
    categories = []
    for scores in ([80, 81, 82], [70, 75, 90]):
        category = scenarios.category(edition)
        venue, judges = scenarios.venue(category, judges=3)
        scenarios.scored_entry(venue, judges, scores)
        scenarios.scored_entry(venue, judges, [60, 65, 70])
        categories.append(category)
    return edition, categories


@pytest.mark.django_db
def test_a_run_gives_a_sign_of_life_at_each_step():
    edition, categories = two_categories()
    run = factories.ResultRunFactory(edition=edition)
    seen = []
    real_store = computation.store_category

    def store(item):
        seen.append(ResultRun.objects.values_list("progress", "heartbeat_at").get(pk=run.pk))
        return real_store(item)

    before = timezone.now()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(computation, "store_category", store)
        runs.execute_run(run=run)

    run.refresh_from_db()
    assert [progress for progress, _at in seen] == [50, 75]
    assert all(at >= before for _progress, at in seen)
    assert seen[0][1] <= seen[1][1] <= run.heartbeat_at
    assert (run.status, run.progress, run.heartbeat_at) == (ResultRun.Status.DONE, 100, run.finished_at)


@pytest.mark.django_db
def test_the_sweep_fails_a_silent_running_run_and_computes_the_results_again(
    django_capture_on_commit_callbacks, organiser, settings
):
    settings.RESULTS_RUN_STALE_SECONDS = 300
    edition, categories = two_categories()
    stale = factories.ResultRunFactory(edition=edition, status=ResultRun.Status.RUNNING, started_by=organiser)
    ResultRun.objects.filter(pk=stale.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=301))

    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        assert runs.dispatch_waiting_runs() == 1
        reason = ngettext(
            "The worker stopped giving signs of life for more than %(minutes)s minute (it was stopped or lost): "
            "this run failed and the results are computed again.",
            "The worker stopped giving signs of life for more than %(minutes)s minutes (it was stopped or lost): "
            "this run failed and the results are computed again.",
            5,
        ) % {"minutes": 5}

    stale.refresh_from_db()
    assert (stale.status, stale.finished_at is not None) == (ResultRun.Status.FAILED, True)
    assert stale.error == reason
    again = ResultRun.objects.filter(edition=edition).exclude(pk=stale.pk).get()
    assert (again.status, again.started_by, again.fingerprint) == (
        ResultRun.Status.DONE,
        organiser,
        computation.current_fingerprint(edition=edition),
    )
    assert len(result_rows(edition)) == 4
    events = list(AuditEvent.objects.filter(edition=edition).order_by("pk").values_list("action", "target", "user"))
    assert events == [
        (AuditEvent.Action.RESULTS_FAILED, f"#{stale.pk}", organiser.pk),
        (AuditEvent.Action.RESULTS_REQUESTED, f"#{again.pk}", organiser.pk),
        (AuditEvent.Action.RESULTS_COMPUTED, f"#{again.pk}", organiser.pk),
    ]
    assert AuditEvent.objects.get(action=AuditEvent.Action.RESULTS_REQUESTED).reason == stale.error


@pytest.mark.django_db
def test_the_sweep_leaves_running_runs_that_gave_a_sign_of_life_recently(settings):
    settings.RESULTS_RUN_STALE_SECONDS = 300
    edition, categories = two_categories()
    alive = factories.ResultRunFactory(edition=edition, status=ResultRun.Status.RUNNING)
    ResultRun.objects.filter(pk=alive.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=250))
    done = factories.ResultRunFactory(edition=edition, status=ResultRun.Status.DONE)
    ResultRun.objects.filter(pk=done.pk).update(heartbeat_at=timezone.now() - timedelta(hours=2))

    assert runs.recover_stale_runs() == 0

    assert list(ResultRun.objects.order_by("pk").values_list("status", flat=True)) == [
        ResultRun.Status.RUNNING,
        ResultRun.Status.DONE,
    ]


@pytest.mark.django_db
def test_a_stale_runs_message_delivered_again_computes_nothing():
    from results.tasks import compute_results_task

    edition, categories = two_categories()
    for status in (ResultRun.Status.FAILED, ResultRun.Status.CANCELLED):
        run = factories.ResultRunFactory(edition=edition, status=status)

        assert compute_results_task.delay(run.pk).get() == ""

        run.refresh_from_db()
        assert run.status == status
    assert result_rows(edition) == []


@pytest.mark.django_db
def test_a_run_cancelled_while_it_computes_stops_at_the_next_category(organiser):
    edition, (first, second) = two_categories()
    run = factories.ResultRunFactory(edition=edition)
    real_store = computation.store_category

    def store_then_cancel(item):
        stored = real_store(item)
        if item.category == first:
            runs.cancel_run(run=run, by=organiser)  # the organiser's click, while the first category is stored
        return stored

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(computation, "store_category", store_then_cancel)
        returned = runs.execute_run(run=run)

    assert (returned.status, returned.progress, returned.fingerprint) == (ResultRun.Status.CANCELLED, 50, "")
    assert set(Result.objects.values_list("category_id", flat=True)) == {first.pk}
    assert list(AuditEvent.objects.filter(edition=edition).values_list("action", "new_values")) == [
        (AuditEvent.Action.RESULTS_CANCELLED, {"status": "cancelled"})
    ]
    # The next run is not held up by it, and computes everything.
    assert runs.execute_run(run=factories.ResultRunFactory(edition=edition)).status == ResultRun.Status.DONE
    assert len(result_rows(edition)) == 4


@pytest.mark.django_db
def test_a_cancelled_queued_run_is_never_started(organiser, django_capture_on_commit_callbacks):
    edition, categories = two_categories()
    with django_capture_on_commit_callbacks(execute=False):
        run = runs.start_run(edition=edition, by=organiser)
    runs.cancel_run(run=run, by=organiser)

    returned = runs.execute_run(run=run)

    assert (returned.status, returned.heartbeat_at) == (ResultRun.Status.CANCELLED, None)
    assert result_rows(edition) == []
    with django_capture_on_commit_callbacks(execute=False):
        assert runs.start_run(edition=edition, by=organiser).pk != run.pk
