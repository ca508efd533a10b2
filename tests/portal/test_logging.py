"""Log lines carry the time, level, logger, request id and user id; LOG_FORMAT=json writes JSON lines."""

import io
import json
import logging
import re

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject

from portal.middleware import RequestIdMiddleware
from portal.request_log import JsonFormatter, RequestContextFilter
from tests import factories

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s user=%(user_id)s] %(message)s"


@pytest.fixture
def captured():
    """The lines the 'portal.test' logger writes through a handler configured like the console's."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(logging.Formatter(settings.LOGGING["formatters"]["text"]["format"]))
    logger = logging.getLogger("portal.test")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)


def _logging_view(request):
    logging.getLogger("portal.test").info("scored %s", "A-001")
    return HttpResponse("ok")


@pytest.mark.django_db
def test_request_id_from_a_safe_header_is_echoed(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a-0042")
    assert response["X-Request-ID"] == "lb-7f3a-0042"


@pytest.mark.django_db
@pytest.mark.parametrize("offered", ["", "a b", "x" * 65, "id\nFAKE LINE", "<script>"])
def test_request_id_unsafe_or_missing_is_replaced_by_a_new_one(client, settings, offered):
    settings.CELERY_BROKER_URL = ""
    response = client.get("/login/", HTTP_X_REQUEST_ID=offered)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_log_line_carries_the_request_id_and_no_user_when_anonymous(captured):
    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="req-42")
    RequestIdMiddleware(_logging_view)(request)
    line = captured.getvalue().strip()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO portal\.test \[req-42 user=-\] scored A-001", line)


@pytest.mark.django_db
def test_log_line_carries_the_user_id_of_a_loaded_user(captured):
    user = factories.UserFactory()
    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="req-43")
    request.user = user
    RequestIdMiddleware(_logging_view)(request)
    assert f"[req-43 user={user.pk}] scored A-001" in captured.getvalue()


def test_log_line_never_loads_the_user_itself(captured):
    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="req-44")
    request.user = SimpleLazyObject(lambda: pytest.fail("the log filter loaded the user"))
    RequestIdMiddleware(_logging_view)(request)
    assert "[req-44 user=-] scored A-001" in captured.getvalue()


def test_log_line_outside_a_request_says_dash(captured):
    logging.getLogger("portal.test").info("beat")
    assert captured.getvalue().strip().endswith("INFO portal.test [- user=-] beat")


def test_json_format_writes_one_object_a_line():
    record = logging.LogRecord("portal.test", logging.WARNING, __file__, 1, "saved %s", ("表",), None)
    RequestContextFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert set(parsed) == {"time", "level", "logger", "request_id", "user_id", "message"}
    assert (parsed["level"], parsed["logger"], parsed["request_id"], parsed["user_id"], parsed["message"]) == (
        "WARNING",
        "portal.test",
        "-",
        "-",
        "saved 表",
    )


def test_console_handler_adds_the_request_context_with_the_text_format():
    assert settings.LOGGING["formatters"]["text"]["format"] == TEXT_FORMAT
    console = [handler for handler in logging.getLogger().handlers if isinstance(handler, logging.StreamHandler)]
    assert any(isinstance(f, RequestContextFilter) for handler in console for f in handler.filters)
