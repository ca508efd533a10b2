"""Real Celery workers and a Redis of a test's own, for the tests marked `services` (see the `worker_env` and
`worker` fixtures in tests/conftest.py). Polling with a deadline is the only sleeping the suite does."""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

from django.conf import settings

from portal.celery import app

LOCAL_REDIS = "redis://127.0.0.1:6379/3"
CLOSED_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: a broker that refuses at once


def redis_reachable(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except Exception:
        return False


def reset_connections():
    """Forget the app's broker connections: an earlier eager task may have built them for another broker.

    Never close them: kombu keeps one pool per broker URL for the whole process, and even eager tasks take a
    producer from it, so a closed pool fails every later task of the session ("Acquire on closed pool")."""
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker(url: str, *, queue: str | None = None):
    """This process sends its tasks to the broker at `url` (eager mode off) for the block, on `queue` if given."""
    keys = ("task_always_eager", "broker_url", "task_default_queue")
    previous = {key: app.conf[key] for key in keys}
    previous_env = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = url  # Celery reads it before its configuration
    app.conf.update(task_always_eager=False, broker_url=url, **({"task_default_queue": queue} if queue else {}))
    reset_connections()
    try:
        yield
    finally:
        if previous_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = previous_env
        app.conf.update(previous)
        reset_connections()


def start_worker(env: dict, queue: str, log_path, *, module=("celery",), pool="solo") -> subprocess.Popen:
    """A `celery -A portal worker` process listening on `queue` only, its output appended to `log_path`."""
    log = log_path.open("a")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            *module,
            "-A",
            "portal",
            "worker",
            "--queues",
            queue,
            "--pool",
            pool,
            "--concurrency",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen, *, timeout: float = 10) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_for(check, *, seconds: float, log_path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError("the worker did not finish in time; its log:\n" + log_path.read_text()[-4000:])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"redis-server did not start on port {port}")
