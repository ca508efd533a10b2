"""The runs of the results computation: queued by an organiser or a venue's sign-off, sent to the worker, carried
out under the edition's lock, recorded in the audit.

One computation at a time per edition, for the whole run: execute_run holds the edition's lock (edition_lock)
from before it reads the stored results until it has written the last category, so two runs never interleave
category by category. A run reads the sheets once it holds the lock, so the run that finishes last computed from
the newest sheets, and its fingerprint is the one latest_done_run gives the publication to check.

A running run reports a sign of life (heartbeat_at) at each step; one silent for RESULTS_RUN_STALE_SECONDS lost
its worker (killed, the machine restarted: its message would come back only after the broker's visibility
timeout, an hour), so the periodic sweep fails it and queues another. An organiser may cancel a queued or running
run (cancel_run): its worker stops before the next category.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from events import audit
from portal import outbox
from results import computation
from results.models import ACTIVE, Result, ResultRun
from submissions.models import Entry

logger = logging.getLogger(__name__)

# The first key of the PostgreSQL advisory lock of an edition's computation ("RSLT"); the second is the edition's id.
LOCK_NAMESPACE = 0x52534C54

_process_locks: dict[int, threading.Lock] = defaultdict(threading.Lock)
_process_locks_guard = threading.Lock()


@contextmanager
def edition_lock(edition_id: int):
    """Hold the lock of one edition's computation; waits while another run of the edition holds it.

    PostgreSQL: a session-level advisory lock on the worker's connection. It outlives the transactions of the
    run (each category is stored, with COPY, in a transaction of its own) and is released here, or by the
    database if the worker dies. SQLite (development and tests, one process, eager tasks): writes are serialised
    by the database anyway; a lock in this process keeps two threads of the development server from
    interleaving."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, edition_id])
        try:
            yield
        finally:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, edition_id])
            except DatabaseError:  # the connection is broken: the database released the lock with the session
                logger.exception("Could not release the results lock of edition %s", edition_id)
        return
    with _process_locks_guard:
        lock = _process_locks[edition_id]
    with lock:
        yield


# A run still queued after this long was never sent (the broker was down) or its message was lost (Redis
# restarted empty): it is sent again. A run delivered twice is harmless (the task is idempotent).
REDISPATCH_AFTER = timedelta(minutes=2)


def dispatch_run(run_id: int) -> bool:
    """Send a queued run to the worker through the outbox (portal.outbox), which delivers it once the caller's
    transaction commits, or once the broker is back; a run whose request still waits is not requested twice. Returns
    whether the broker has it; if the broker could not take it, the run says so until it starts. Never raises for
    the broker."""
    message = outbox.queue_task("results.compute", run_id)
    if message.sent_at is not None:
        return True
    if message.last_error:
        logger.error("Results run %s waits in the outbox, the broker is unreachable: %s", run_id, message.last_error)
        ResultRun.objects.filter(pk=run_id, status=ResultRun.Status.QUEUED).update(
            error=_("The task queue was unreachable; the computation starts as soon as it is back.")
        )
    return False


def dispatch_waiting_runs(*, older_than: timedelta = REDISPATCH_AFTER) -> int:
    """The periodic sweep: fail the stale runs and queue others in their place (recover_stale_runs), then send
    again every run still queued after `older_than`, or whose dispatch failed; returns how many were sent."""
    recovered = recover_stale_runs()
    waiting = ResultRun.objects.filter(status=ResultRun.Status.QUEUED).filter(
        Q(created_at__lte=timezone.now() - older_than) | ~Q(error="")
    )
    return recovered + sum(dispatch_run(run_id) for run_id in waiting.values_list("pk", flat=True))


def stale_after() -> timedelta:
    """How long a running run may go without a sign of life (settings.RESULTS_RUN_STALE_SECONDS)."""
    return timedelta(seconds=settings.RESULTS_RUN_STALE_SECONDS)


def _stale(limit):
    """Running runs without a sign of life since `limit` (those started before heartbeats by their creation)."""
    return Q(status=ResultRun.Status.RUNNING) & (
        Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, created_at__lt=limit)
    )


def recover_stale_runs() -> int:
    """Fail every running run silent for longer than stale_after() (its worker died) and queue a computation of
    its edition in its place (start_run, on commit); returns how many runs were recovered."""
    limit = timezone.now() - stale_after()
    stale = ResultRun.objects.filter(_stale(limit)).select_related("edition", "started_by")
    return sum(_fail_stale_run(run, limit) for run in stale)


@transaction.atomic
def _fail_stale_run(run: ResultRun, limit) -> bool:
    # The status is set only if the run is still silent: it may have finished, or spoken, since it was listed.
    minutes = max(1, round(stale_after().total_seconds() / 60))
    reason = ngettext(
        "The worker stopped giving signs of life for more than %(minutes)s minute (it was stopped or lost): "
        "this run failed and the results are computed again.",
        "The worker stopped giving signs of life for more than %(minutes)s minutes (it was stopped or lost): "
        "this run failed and the results are computed again.",
        minutes,
    ) % {"minutes": minutes}
    if not ResultRun.objects.filter(_stale(limit), pk=run.pk).update(
        status=ResultRun.Status.FAILED, error=reason, finished_at=timezone.now()
    ):
        return False
    logger.error("Results run %s had no sign of life since %s: failed, computed again.", run.pk, run.heartbeat_at)
    audit.record(
        edition=run.edition,
        user=run.started_by,
        action=audit.Action.RESULTS_FAILED,
        target=f"#{run.pk}",
        old={"status": run.status},
        new={"error": reason},
    )
    start_run(edition=run.edition, by=run.started_by, after_sign_off=run.started_by is None, reason=reason)
    return True


@transaction.atomic
def cancel_run(*, run: ResultRun, by) -> ResultRun:
    """Cancel a queued or running run (an organiser's request, audited). A queued run is never started; a running
    one's worker stops before its next category (results.computation.RunStopped). What it stored until then is
    not published: the publication checks the stored results against the sheets (results.publication)."""
    run = ResultRun.objects.select_for_update().select_related("edition").get(pk=run.pk)
    if run.status not in ACTIVE:
        raise ValidationError(
            _("Run %(run)s is not queued or running (%(status)s): there is nothing to cancel.")
            % {"run": run.pk, "status": run.get_status_display()}
        )
    previous = run.status
    run.status = ResultRun.Status.CANCELLED
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])
    audit.record(
        edition=run.edition,
        user=by,
        action=audit.Action.RESULTS_CANCELLED,
        target=f"#{run.pk}",
        old={"status": previous},
        new={"status": run.status},
        reason=_("Cancelled by an organiser."),
    )
    return run


@transaction.atomic
def start_run(*, edition, by, after_sign_off: bool = False, reason: str = "") -> ResultRun:
    """Queue a computation of the edition's results (on commit). A run still queued (waiting for a worker or for
    the edition's lock) is reused, since it reads the sheets only when it starts; it is sent again when its
    dispatch failed or it has waited too long. While a run is running, a new one is queued: it waits for the
    edition's lock and then computes from the sheets as they are after the running one. `by` is who caused it (the
    audit names them); a run queued by a venue's sign-off (`after_sign_off`) has no `started_by`: nobody asked."""
    waiting = ResultRun.objects.filter(edition=edition, status=ResultRun.Status.QUEUED).first()
    if waiting is not None:
        if waiting.error or waiting.created_at <= timezone.now() - REDISPATCH_AFTER:
            transaction.on_commit(lambda: dispatch_run(waiting.pk))
        return waiting
    run = ResultRun.objects.create(edition=edition, started_by=None if after_sign_off else by)
    audit.record(
        edition=edition,
        user=by,
        action=audit.Action.RESULTS_REQUESTED,
        target=f"#{run.pk}",
        new={"run": run.pk},
        reason=reason,
    )
    transaction.on_commit(lambda: dispatch_run(run.pk))
    return run


def execute_run(*, run: ResultRun) -> ResultRun:
    """Carry out a queued run under the edition's lock: compute the edition's results, record progress, the
    fingerprint or the error. A run found done once the lock is held (delivered twice, the other delivery carried
    it out meanwhile), cancelled or failed (a stale run's message delivered again once its worker was replaced)
    is not computed again."""
    with edition_lock(run.edition_id):
        started = ResultRun.objects.filter(pk=run.pk, status__in=ACTIVE).update(
            status=ResultRun.Status.RUNNING, progress=0, error="", heartbeat_at=timezone.now()
        )
        if not started:
            run.refresh_from_db()
            return run
        return _execute(run)


def _execute(run: ResultRun) -> ResultRun:
    run.status = ResultRun.Status.RUNNING
    try:
        with computation.collector_paused():
            # The results are dropped before the collector resumes, or it would walk them all at once.
            before = _outcomes(run.edition)
            scored = computation.compute_and_store(edition=run.edition, run=run)
            fingerprint = computation.edition_fingerprint(scored)
            after = {r.entry_id: (r.final_score, r.rank, r.grade) for item in scored for r in item.results}
            del scored
            old, new = _changed_outcomes(before, after, run.edition)
            del before, after
    except computation.RunStopped:
        # Cancelled (audited by cancel_run) or failed by the sweep (audited there): its status stays as they set it.
        run.refresh_from_db()
        return run
    except Exception as error:
        run.status = ResultRun.Status.FAILED
        run.error = f"{type(error).__name__}: {error}"
        run.finished_at = timezone.now()
        ResultRun.objects.filter(pk=run.pk, status=ResultRun.Status.RUNNING).update(
            status=run.status, error=run.error, finished_at=run.finished_at
        )
        audit.record(
            edition=run.edition,
            user=run.started_by,
            action=audit.Action.RESULTS_FAILED,
            target=f"#{run.pk}",
            new={"error": run.error},
        )
        raise
    finished = timezone.now()
    if not ResultRun.objects.filter(pk=run.pk, status=ResultRun.Status.RUNNING).update(
        status=ResultRun.Status.DONE, progress=100, fingerprint=fingerprint, finished_at=finished, heartbeat_at=finished
    ):
        run.refresh_from_db()  # cancelled after its last category: it stays cancelled
        return run
    run.status, run.progress, run.fingerprint, run.finished_at = ResultRun.Status.DONE, 100, fingerprint, finished
    audit.record(
        edition=run.edition,
        user=run.started_by,
        action=audit.Action.RESULTS_COMPUTED,
        target=f"#{run.pk}",
        old=old,
        new={**new, "fingerprint": run.fingerprint[:12]},
    )
    return run


AUDITED_CHANGES = 500


def _outcomes(edition) -> dict[int, tuple]:
    """Each entry's stored result (score, rank, grade), by entry id: what the audit compares."""
    return {
        entry_id: (score, rank, grade)
        for entry_id, score, rank, grade in Result.objects.filter(category__edition=edition)
        .order_by()
        .values_list("entry_id", "final_score", "rank", "grade")
    }


def _outcome_text(outcome: tuple) -> str:
    score, rank, grade = outcome
    return f"{score if score is not None else '-'} / {rank or '-'} / {grade or '-'}"


def _changed_outcomes(before: dict, after: dict, edition) -> tuple[dict, dict]:
    """The entries (by code) whose score, rank or grade changed or that left the results (at most
    AUDITED_CHANGES of them), before and after; entries computed for the first time are only counted."""
    changed_ids = [entry_id for entry_id, outcome in before.items() if after.get(entry_id) != outcome]
    codes = dict(Entry.objects.filter(edition=edition).values_list("pk", "code").order_by()) if changed_ids else {}
    changed = sorted((codes.get(entry_id) or f"#{entry_id}", entry_id) for entry_id in changed_ids)
    shown = changed[:AUDITED_CHANGES]
    old = {code: _outcome_text(before[entry_id]) for code, entry_id in shown}
    new = {code: _outcome_text(after[entry_id]) for code, entry_id in shown if entry_id in after}
    if len(changed) > AUDITED_CHANGES:
        new["…"] = str(len(changed) - AUDITED_CHANGES)
    first_time = sum(1 for entry_id in after if entry_id not in before)
    if first_time:
        new["new results"] = str(first_time)
    return old, new


def latest_run(edition):
    return ResultRun.objects.filter(edition=edition).select_related("started_by").first()


def latest_done_run(edition):
    """The run that finished last: the results stored are its (runs finish in the order they take the lock)."""
    return (
        ResultRun.objects.filter(edition=edition, status=ResultRun.Status.DONE).order_by("-finished_at", "-pk").first()
    )
