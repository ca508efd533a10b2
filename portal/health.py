"""The state GET /healthz reports: the database, the cache, the broker, the worker's last heartbeat and the outbox.

Cheap enough for a load balancer polling every few seconds: one `SELECT 1`, one cache write and read, one broker
connection with a 1-second timeout. The worker's beat runs portal.heartbeat every minute (settings
CELERY_BEAT_SCHEDULE), which writes the time into the cache; without one for HEARTBEAT_STALE_SECONDS it is stale.
"""

import logging
import uuid
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from portal import outbox

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "portal:worker-heartbeat"
HEARTBEAT_STALE_SECONDS = 3 * 60
BROKER_TIMEOUT_SECONDS = 1


def record_heartbeat() -> str:
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        logger.error("Health check: the database is down: %s", error)
        return "down"
    return "ok"


def cache_state() -> str:
    """Write a key and read it back: the portal's Redis cache swallows errors, so only a read-back tells."""
    key = f"portal:health:{uuid.uuid4().hex}"
    token = uuid.uuid4().hex
    try:
        cache.set(key, token, timeout=10)
        stored = cache.get(key)
        cache.delete(key)
    except Exception as error:
        logger.error("Health check: the cache is down: %s", error)
        return "down"
    if stored != token:
        logger.error("Health check: the cache does not store")
        return "down"
    return "ok"


def broker_state() -> str:
    url = settings.CELERY_BROKER_URL
    if not url:
        return "not configured"
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=BROKER_TIMEOUT_SECONDS) as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as error:
        logger.error("Health check: the broker is down: %s", error)
        return "down"
    return "ok"


def worker_state() -> dict:
    try:
        raw = cache.get(HEARTBEAT_KEY)
    except Exception:
        raw = None
    if not raw:
        return {"last_heartbeat": None, "state": "unknown"}
    try:
        beat = datetime.fromisoformat(raw)
    except (TypeError, ValueError):
        return {"last_heartbeat": None, "state": "unknown"}
    stale = (timezone.now() - beat).total_seconds() > HEARTBEAT_STALE_SECONDS
    return {"last_heartbeat": beat.isoformat(), "state": "stale" if stale else "ok"}


def outbox_state() -> dict:
    """The outbox's backlog (portal.outbox): "late" when a message waits for more than a few minutes. The portal still
    serves: the messages are kept until the broker or the mail server is back."""
    try:
        backlog = outbox.backlog()
    except Exception as error:
        logger.error("Health check: the outbox cannot be read: %s", error)
        return {"state": "unknown"}
    return {**backlog, "state": "late" if backlog["late"] else "ok"}


def report() -> tuple[dict, bool]:
    """The state of each part, and whether the portal can serve (database, cache and a configured broker up)."""
    state = {
        "database": database_state(),
        "cache": cache_state(),
        "broker": broker_state(),
        "worker": worker_state(),
        "outbox": outbox_state(),
    }
    healthy = all(state[part] != "down" for part in ("database", "cache", "broker"))
    return state, healthy
