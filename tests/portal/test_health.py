"""GET /healthz: the state of the database, the cache, the broker and the worker's heartbeat, for a load balancer."""

import os
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from portal import health
from portal.tasks import heartbeat
from tests.conftest import need

CLOSED_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once
FORGIVING_CACHE = "portal.cache.ForgivingRedisCache"
EMPTY_OUTBOX = {"waiting": 0, "late": 0, "oldest": None, "last_error": "", "state": "ok"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_broker(settings):
    settings.CELERY_BROKER_URL = ""


def test_healthz_answers_200_when_everything_is_up(client, no_broker):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "cache": "ok",
        "broker": "not configured",
        "worker": {"last_heartbeat": None, "state": "unknown"},
        "outbox": EMPTY_OUTBOX,
    }
    assert "no-cache" in response["Cache-Control"]


def test_healthz_needs_no_log_in_and_refuses_post(client, no_broker):
    assert client.get("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
    # Not exempt from CSRF: a POST without a token is refused by the check, like every other.
    assert Client(enforce_csrf_checks=True).post("/healthz").status_code == 403


def test_healthz_answers_503_when_the_database_is_down(client, no_broker):
    broken = mock.Mock()
    broken.cursor.side_effect = OperationalError("connection refused")
    with mock.patch.object(health, "connection", broken):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"
    assert response.json()["cache"] == "ok"


def test_healthz_answers_503_when_the_cache_raises(client, no_broker):
    with mock.patch.object(cache, "set", side_effect=ConnectionError("cache down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] == "down"


def test_healthz_answers_503_when_the_forgiving_redis_cache_stores_nothing(client, no_broker, settings):
    # The portal's Redis cache swallows errors (a miss, not a 500): only writing and reading back tells it is down.
    settings.CACHES = {"default": {"BACKEND": FORGIVING_CACHE, "LOCATION": CLOSED_REDIS}}
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] == "down"
    assert response.json()["worker"] == {"last_heartbeat": None, "state": "unknown"}


def test_healthz_answers_503_within_seconds_when_the_configured_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = CLOSED_REDIS
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert response.json()["broker"] == "down"
    assert response.json()["database"] == "ok"


def test_healthz_reports_the_worker_heartbeat_as_ok(client, no_broker):
    beat = heartbeat()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"] == {"last_heartbeat": beat, "state": "ok"}


def test_healthz_reports_a_heartbeat_older_than_three_minutes_as_stale_but_still_serves(client, no_broker):
    old = (timezone.now() - timedelta(minutes=3, seconds=5)).isoformat()
    cache.set(health.HEARTBEAT_KEY, old, timeout=None)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"] == {"last_heartbeat": old, "state": "stale"}


def test_heartbeat_runs_every_minute_in_the_beat_schedule(settings):
    assert settings.CELERY_BEAT_SCHEDULE["worker-heartbeat"] == {"task": "portal.heartbeat", "schedule": 60.0}


def test_healthz_with_real_redis_as_cache_and_broker_answers_200(client, settings):
    from tests.workers import LOCAL_REDIS, redis_reachable

    url = os.environ.get("REDIS_URL") or LOCAL_REDIS
    need("Redis", redis_reachable(url), url)
    settings.CACHES = {"default": {"BACKEND": FORGIVING_CACHE, "LOCATION": url}}
    settings.CELERY_BROKER_URL = url
    beat = heartbeat()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
        "worker": {"last_heartbeat": beat, "state": "ok"},
        "outbox": EMPTY_OUTBOX,
    }
    cache.delete(health.HEARTBEAT_KEY)


def test_healthz_reports_messages_waiting_more_than_five_minutes_as_late_but_still_serves(client, no_broker):
    from portal.models import OutboxMessage

    created = timezone.now() - timedelta(minutes=6)
    OutboxMessage.objects.create(
        kind="task", payload={"task": "results.compute", "args": [1]}, created_at=created, last_error="refused"
    )
    OutboxMessage.objects.create(kind="email", payload={"to": ["a@example.com"], "subject": "s", "body": "b"})
    OutboxMessage.objects.create(kind="task", payload={"task": "x", "args": []}, sent_at=timezone.now())

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["outbox"] == {
        "waiting": 2,
        "late": 1,
        "oldest": created.isoformat(),
        "last_error": "refused",
        "state": "late",
    }
