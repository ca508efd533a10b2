"""The scoring tasks: eagerly in the suite, and on a real Celery worker against Redis and PostgreSQL."""

import os
import subprocess
import sys
import time
import uuid
from decimal import Decimal as D

import pytest
from django.conf import settings
from django.db import connection

from portal.celery import app
from results.models import AwardList, Result, ResultRun
from results.tasks import compute_results_task, export_awards_task
from tests import factories
from tests.conftest import need, postgres_available
from tests.scoring import results_data as data

LOCAL_REDIS = "redis://127.0.0.1:6379/3"


def small_edition():
    category = data.category(grades=[("标杆", "share", "0.5")])
    venue, judges = data.venue(category, judges=5)
    first = data.scored_entry(venue, judges, [90, 88, "86.5", 84, 70])
    second = data.scored_entry(venue, judges, [80, 80, 80, 80, 80])
    return category.edition, first, second


@pytest.mark.django_db
def test_compute_task_runs_a_queued_run():
    edition, first, second = small_edition()
    run = factories.ResultRunFactory(edition=edition)

    fingerprint = compute_results_task.delay(run.pk).get()

    run.refresh_from_db()
    assert (run.status, run.fingerprint) == (ResultRun.Status.DONE, fingerprint)
    # drop 90 and 70: (88 + 86.5 + 84) / 3 = 86.1666... -> 86.17
    assert Result.objects.get(entry=first).final_score == D("86.17")
    assert Result.objects.get(entry=first).grade == "标杆"


@pytest.mark.django_db
def test_compute_task_delivered_twice_does_not_recompute():
    edition, first, _ = small_edition()
    run = factories.ResultRunFactory(edition=edition, status=ResultRun.Status.DONE, fingerprint="abc")

    assert compute_results_task.delay(run.pk).get() == "abc"
    assert not Result.objects.exists()


@pytest.mark.django_db
def test_tasks_of_deleted_objects_do_nothing():
    assert compute_results_task.delay(987654).get() == ""
    assert export_awards_task.delay(987654).get() == ""


def redis_reachable(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except Exception:
        return False


@pytest.fixture
def worker_env(transactional_db, tmp_path):
    """Environment of a Celery worker that sees the test database and listens on a queue of its own."""
    need("PostgreSQL", postgres_available(), "a worker process cannot share an in-memory SQLite database")
    broker = os.environ.get("CELERY_BROKER_URL", "")
    broker = broker if broker.startswith("redis") else LOCAL_REDIS
    need("Redis", redis_reachable(broker), broker)
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    database_url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    queue = f"test-results-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": "",
        "CELERY_QUEUE": queue,
        "REDIS_URL": "",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DB_CONN_MAX_AGE": "0",
    }
    return {"env": env, "queue": queue, "broker": broker, "log": tmp_path / "worker.log"}


def reset_connections():
    """Forget the app's broker connections: an earlier eager task may have built them for another broker.

    Never close them: kombu keeps one pool per broker URL for the whole process, and even eager tasks take a
    producer from it, so a closed pool fails every later task of the session ("Acquire on closed pool")."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def worker(worker_env):
    """A real `celery -A portal worker` process, stopped at the end of the test."""
    log = worker_env["log"].open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--queues",
            worker_env["queue"],
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ],
        cwd=settings.BASE_DIR,
        env=worker_env["env"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    previous = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "task_default_queue")}
    app.conf.update(task_always_eager=False, broker_url=worker_env["broker"], task_default_queue=worker_env["queue"])
    reset_connections()
    try:
        yield worker_env
    finally:
        app.conf.update(previous)
        reset_connections()
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def wait_for(check, *, seconds: float, log_path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError("the worker did not finish in time; its log:\n" + log_path.read_text()[-4000:])


@pytest.mark.services
def test_compute_and_export_on_a_real_worker(worker):
    edition, first, second = small_edition()
    run = factories.ResultRunFactory(edition=edition)

    compute_results_task.apply_async(args=[run.pk], queue=worker["queue"])
    wait_for(
        lambda: ResultRun.objects.get(pk=run.pk).status in {ResultRun.Status.DONE, ResultRun.Status.FAILED},
        seconds=90,
        log_path=worker["log"],
    )

    run.refresh_from_db()
    assert (run.status, run.progress, run.error) == (ResultRun.Status.DONE, 100, "")
    assert Result.objects.get(entry=first).final_score == D("86.17")
    assert Result.objects.get(entry=second).final_score == D("80.00")
    assert [r.rank for r in Result.objects.order_by("-final_score")] == [1, 2]

    award_list = AwardList.objects.create(edition=edition, format=AwardList.Format.CSV)
    export_awards_task.apply_async(args=[award_list.pk], queue=worker["queue"])
    wait_for(
        lambda: AwardList.objects.get(pk=award_list.pk).status in {AwardList.Status.DONE, AwardList.Status.FAILED},
        seconds=60,
        log_path=worker["log"],
    )
    award_list.refresh_from_db()
    assert (award_list.status, award_list.rows) == (AwardList.Status.DONE, 2)
    assert "Task results.compute" in worker["log"].read_text()


@pytest.mark.django_db
def test_sign_off_queues_the_computation_after_commit(django_capture_on_commit_callbacks):
    from scoring.progress import sign_off_venue

    category = data.category(grades=[("标杆", "share", "0.5")])
    venue, judges = data.venue(category, judges=3)
    item = data.scored_entry(venue, judges, [90, "85.5", 80])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        sign_off_venue(venue=venue, by=judges[0])

    assert len(callbacks) == 1
    run = ResultRun.objects.get(edition=category.edition)
    assert (run.status, run.started_by) == (ResultRun.Status.DONE, None)
    # (90 + 85.5 + 80) / 3 = 85.1666... -> 85.17
    assert Result.objects.get(entry=item).final_score == D("85.17")
