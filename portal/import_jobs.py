"""Large imports written in the background: the confirmation dispatches a task and the page polls its progress.

A job is a small record in the cache (it lives a day) under a random id: the user who started it, its state (queued,
running, done, failed), its progress in percent and, once over, the messages to show. Only its user sees it. The task
that does the work reports through progress() and finish(); the import itself stays one transaction, so a job that
fails has written nothing.
"""

import re
import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from portal import outbox, uploads
from portal.celery import app

MAX_AGE = 24 * 60 * 60
PREFIX = "import-job:"
NAME = re.compile(r"^[0-9a-f]{32}$")
OVER = ("done", "failed")


def background(rows: int) -> bool:
    """Whether a confirmed import of `rows` rows is written by the worker: past IMPORT_BACKGROUND_ROWS, when the page
    can follow the job, that is when tasks run in the web process (eager, in development) or the web processes and
    the worker share the cache (Redis: REDIS_URL); otherwise the import is written in the request, as a small one."""
    if rows <= settings.IMPORT_BACKGROUND_ROWS:
        return False
    return bool(app.conf.task_always_eager) or "LocMemCache" not in settings.CACHES["default"]["BACKEND"]


def start(*, by, task_name: str, **arguments) -> str:
    """A new job of `by`: once the transaction commits, it is recorded as queued and the task `task_name` is sent
    (through the outbox: a broker down delays it, never fails the request) with job=<its id> and `arguments`; a
    transaction rolled back leaves no job behind. Returns the job's id."""
    job = secrets.token_hex(16)
    record = {"user": by.pk, "state": "queued", "progress": 0, "level": "", "messages": []}
    transaction.on_commit(lambda: cache.set(PREFIX + job, record, MAX_AGE))  # before the task's hand-over
    outbox.queue_task(task_name, job=job, **arguments)
    return job


def start_if_large(*, request, token: str, kind: str, task_name: str, **arguments) -> str | None:
    """The job writing the confirmed upload `token` (of `kind`) when background() gives it to the worker; None for
    an upload written in the request, or a token uploads.load refuses (the request's own path says why)."""
    if not background(uploads.rows(token)):
        return None
    try:
        uploads.load(token, by=request.user, kind=kind)
    except ValidationError:
        return None
    return start(
        by=request.user,
        task_name=task_name,
        token=token,
        user_id=request.user.pk,
        language=translation.get_language(),
        **arguments,
    )


def _update(job: str, **changes) -> None:
    record = cache.get(PREFIX + job)
    if record is not None:
        record.update(changes)
        cache.set(PREFIX + job, record, MAX_AGE)


def progress(job: str, percent: int) -> None:
    _update(job, state="running", progress=percent)


def finish(job: str, *, level: str, messages: list) -> None:
    """The job is over: `level` is "success", "info" or "error" (then it failed and wrote nothing)."""
    state = "failed" if level == "error" else "done"
    _update(job, state=state, progress=100, level=level, messages=[str(message) for message in messages])


def status(job: str, *, by) -> dict | None:
    """The job's state, progress, level and messages; None when there is no such job of this user."""
    record = cache.get(PREFIX + job) if NAME.match(job or "") else None
    if record is None or record.get("user") != by.pk:
        return None
    return {key: value for key, value in record.items() if key != "user"}
