"""RequestBodyLimitMiddleware: an oversized body is refused before CSRF, sessions or the log-in read it."""

from django.core.handlers.wsgi import WSGIRequest
from django.test import Client
from django.urls import reverse

from portal.middleware import BODY_MARGIN_BYTES, RequestBodyLimitMiddleware, max_body_bytes


def test_max_body_bytes_is_the_upload_limit_plus_the_margin(settings):
    settings.UPLOAD_MAX_MB = 1
    assert max_body_bytes() == 1024 * 1024 + BODY_MARGIN_BYTES == 11 * 1024 * 1024


def test_body_limit_middleware_is_first(settings):
    assert settings.MIDDLEWARE[0] == "portal.middleware.RequestBodyLimitMiddleware"


def test_login_with_an_oversized_content_length_is_refused_413_before_csrf(db, settings):
    settings.UPLOAD_MAX_MB = 1
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("portal:login"),
        data=b"username=a&password=b",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(max_body_bytes() + 1),
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    html = response.content.decode()
    assert "请求内容过大" in html  # the portal's default language
    assert "文件最大为 1 MB。请选择较小的文件后重试。" in html
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies


def test_body_at_the_limit_reaches_the_view(db, settings):
    settings.UPLOAD_MAX_MB = 1
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("portal:login"),
        data=b"username=a&password=b",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(max_body_bytes()),
    )
    assert response.status_code == 403  # CSRF answered: the body was not refused by size


def test_body_limit_never_reads_the_body(rf, settings):
    settings.UPLOAD_MAX_MB = 1

    class Unreadable:
        def read(self, *args):
            raise AssertionError("the body was read")

        readline = read

    request = rf.post("/login/", data=b"x", content_type="application/octet-stream")
    request.META["CONTENT_LENGTH"] = str(300 * 1024 * 1024)
    request.META["wsgi.input"] = Unreadable()
    request._stream = Unreadable()
    response = RequestBodyLimitMiddleware(lambda request: None)(request)
    assert response.status_code == 413


def test_body_without_content_length_is_not_read_by_django(rf):
    request = rf.generic("POST", "/login/", data=b"x" * 1000, content_type="application/octet-stream")
    del request.META["CONTENT_LENGTH"]
    # Rebuilt as the WSGI handler does: a chunked body (no Content-Length) reads as empty.
    assert WSGIRequest(request.META).body == b""


def test_malformed_content_length_passes_to_django(rf):
    request = rf.get("/")
    request.META["CONTENT_LENGTH"] = "abc"
    assert RequestBodyLimitMiddleware(lambda request: "passed")(request) == "passed"
