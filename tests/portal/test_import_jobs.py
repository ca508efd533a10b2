import pytest

from portal import import_jobs
from portal.celery import app
from portal.models import OutboxMessage
from tests import factories

pytestmark = pytest.mark.django_db


def test_background_takes_only_imports_past_the_row_limit(settings):
    settings.IMPORT_BACKGROUND_ROWS = 100
    assert (import_jobs.background(100), import_jobs.background(101)) == (False, True)


def test_background_leaves_an_import_in_the_request_when_the_worker_cannot_tell_the_page(settings, monkeypatch):
    settings.IMPORT_BACKGROUND_ROWS = 1
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert import_jobs.background(2) is False  # a worker's progress in its own memory: the page would wait forever
    settings.CACHES = {"default": {"BACKEND": "portal.cache.ForgivingRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    assert import_jobs.background(2) is True


def test_a_job_is_recorded_when_its_transaction_commits_and_told_to_its_own_user_only(
    django_capture_on_commit_callbacks,
):
    owner, other = factories.OrganiserFactory(), factories.OrganiserFactory()
    edition = factories.EditionFactory()
    with django_capture_on_commit_callbacks(execute=False) as sent:
        job = import_jobs.start(
            by=owner,
            task_name="submissions.import_recommendations",
            token="not-a-token",
            edition_id=edition.pk,
            user_id=owner.pk,
            valid_rows_only=False,
            language="en",
        )
    # rolled back, it would leave nothing: the job's record and its task request wait for the commit
    assert (len(sent), import_jobs.status(job, by=owner)) == (2, None)
    assert OutboxMessage.objects.get().payload == {
        "task": "submissions.import_recommendations", "args": [],
        "kwargs": {"job": job, "token": "not-a-token", "edition_id": edition.pk, "user_id": owner.pk,
                   "valid_rows_only": False, "language": "en"},
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        for callback in sent:  # the commit: the job is queued, then its task is handed over and runs (eagerly here)
            callback()
    assert import_jobs.status(job, by=owner) == {
        "state": "failed", "progress": 100, "level": "error",
        "messages": ["This confirmation is not valid. Upload the file again."],
    }  # fmt: skip
    assert import_jobs.status(job, by=other) is None
    assert import_jobs.status("../" + job, by=owner) is None
