import os
import shutil
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from public.cache import forget_local
from tests import factories

PASSWORD = "correct-horse-battery"
IN_CI = os.environ.get("CI", "").lower() == "true"


def need(what: str, available: bool, why: str = "") -> None:
    """Skip a test whose service is missing on a developer machine; fail it in CI."""
    if available:
        return
    message = f"{what} is not available{': ' + why if why else ''}"
    if IN_CI:
        pytest.fail(message + " (CI=true: nothing that needs a service may skip)")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _fresh_cache_and_media(settings, tmp_path):
    # The shared cache (Redis in CI) and this process's tier of public pages in front of it start empty.
    cache.clear()
    forget_local()
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    cache.clear()
    forget_local()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def organiser(db):
    return factories.OrganiserFactory(full_name="组织者")


@pytest.fixture
def enterprise_a(db):
    return factories.EnterpriseFactory(name="甲企业有限公司")


@pytest.fixture
def enterprise_b(db):
    return factories.EnterpriseFactory(name="乙企业有限公司")


@pytest.fixture
def user_a(enterprise_a):
    return factories.EnterpriseUserFactory(enterprise=enterprise_a, full_name="甲用户")


@pytest.fixture
def user_b(enterprise_b):
    return factories.EnterpriseUserFactory(enterprise=enterprise_b, full_name="乙用户")


@pytest.fixture
def judge(db):
    return factories.JudgeFactory(full_name="评委")


@pytest.fixture
def recommender(db):
    return factories.RecommenderFactory(full_name="推荐人")


@pytest.fixture
def anonymous():
    return None


@pytest.fixture
def client_for(client):
    """client_for(user) logs the test client in as user (or leaves it anonymous for None)."""

    def login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return login


def postgres_available() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@pytest.fixture
def computed_edition(organiser):
    """An edition whose only venue (3 judges) is signed off and computed: 90/85/80 -> 85.00, 70/75/80 -> 75.00."""
    from events.models import AuditEvent
    from results import runs
    from tests import scenarios

    category = scenarios.category(grades=[("标杆", "share", "0.5")])
    edition = category.edition
    edition.organisers.add(organiser)
    venue, judges = scenarios.venue(category, judges=3, signed_off=True)
    first = scenarios.scored_entry(venue, judges, [90, 85, 80])
    second = scenarios.scored_entry(venue, judges, [70, 75, 80])
    runs.execute_run(run=factories.ResultRunFactory(edition=edition, started_by=organiser))
    AuditEvent.objects.all().delete()  # the trail starts empty
    return {"edition": edition, "category": category, "venue": venue, "judges": judges, "entries": [first, second]}


@pytest.fixture
def worker_env(transactional_db, tmp_path):
    """Environment of a Celery worker that sees the test database and listens on a queue of its own."""
    from django.db import connection

    from tests.workers import LOCAL_REDIS, redis_reachable

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


@pytest.fixture
def worker(worker_env):
    """A real `celery -A portal worker` process on the test's own queue, stopped at the end of the test."""
    from portal.celery import app
    from tests.workers import reset_connections, start_worker, stop

    process = start_worker(worker_env["env"], worker_env["queue"], worker_env["log"])
    previous = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "task_default_queue")}
    app.conf.update(task_always_eager=False, broker_url=worker_env["broker"], task_default_queue=worker_env["queue"])
    reset_connections()
    try:
        yield worker_env
    finally:
        app.conf.update(previous)
        reset_connections()
        stop(process, timeout=30)


@pytest.fixture(scope="session", autouse=True)
def _test_database_left_alone_at_the_end(django_db_setup, django_db_blocker):
    """On PostgreSQL, end what still holds the test database when the run ends, so that it can be dropped: the live
    server's request threads (Playwright keeps its connections alive) may still be closing theirs."""
    yield
    if postgres_available():
        from django.db import connection

        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


# --- browser tests -----------------------------------------------------------------------------


def log_in(page, who, password=PASSWORD):
    """Log in through the real log-in form as a user (or an e-mail address) and wait to leave the form."""
    page.goto(page.base_url + "/login/")
    page.fill("input[name=username]", getattr(who, "email", who))
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit].btn-primary")
    page.wait_for_url(lambda url: "/login/" not in url)


def open_menu(page) -> None:
    """Open the navigation where it lies behind the menu button (a role with many links on a narrower screen:
    portal.context_processors.navigation_breakpoint), as a person does before choosing in it."""
    toggler = page.locator("nav.navbar .navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        page.locator("#main-nav.show").wait_for()


def nav_click(page, name: str) -> None:
    """Follow the link of the navigation to the page of URL `name`, opening the menu first where it is closed."""
    open_menu(page)
    page.click(f"a[data-nav='{name}']")


def log_out(page) -> None:
    """Log out with the navigation's button, opening the menu first where it is closed."""
    open_menu(page)
    page.click("form[action='/logout/'] button")
    page.wait_for_load_state()


ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


@pytest.fixture
def browser_context_args():
    return {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}


@pytest.fixture
def page(request, live_server, browser_context_args):
    """A Playwright page in headless Chromium, with a screenshot in test-artifacts/ when the test fails."""
    path = chromium_path()
    need("Chromium", os.path.exists(path), path)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover
        need("Playwright", False)
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test itself are
    # synchronous and safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    request.addfinalizer(
        lambda: (
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            if previous is None
            else os.environ.__setitem__("DJANGO_ALLOW_ASYNC_UNSAFE", previous)
        )
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(**browser_context_args)
        context.set_default_timeout(15000)
        page = context.new_page()
        page.base_url = live_server.url
        yield page
        failed = getattr(request.node, "rep_call", None)
        if failed is not None and failed.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        context.close()
        browser.close()
