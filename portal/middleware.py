import re
import uuid

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from portal.request_log import current_request
from portal.spreadsheets import max_upload_bytes

# No inline script or style anywhere: every script and stylesheet is a file under static/.
DEFAULT_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'; object-src 'none'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


# The largest body the portal reads: the largest upload plus room for the form's other fields and for a file a little
# over the limit, which the upload form answers with its own message ("The file is 51.0 MB; the limit is 50 MB.").
BODY_MARGIN_BYTES = 10 * 1024 * 1024


def max_body_bytes() -> int:
    return max_upload_bytes() + BODY_MARGIN_BYTES


class RequestBodyLimitMiddleware:
    """Answer 413 to a body over max_body_bytes() before anything reads it (CSRF reads POST, sessions, log-in).

    First in MIDDLEWARE: an anonymous client cannot make the server spool hundreds of MB through /login/. A body
    without Content-Length (chunked) is never read by Django (its LimitedStream reads 0 bytes), so only the declared
    length needs checking here; the proxy in front (client_max_body_size) bounds the rest.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_body_bytes():
            return self.too_large(request)
        return self.get_response(request)

    def too_large(self, request):
        language = translation.get_language_from_request(request)
        with translation.override(language):
            html = render_to_string(
                "413.html",
                {"limit_mb": settings.UPLOAD_MAX_MB, "language": translation.get_language()},
            )
        response = HttpResponse(html, status=413, content_type="text/html; charset=utf-8")
        response["X-Content-Type-Options"] = "nosniff"
        response["Connection"] = "close"  # the unread body is not drained
        return response


SAFE_REQUEST_ID = re.compile(r"[a-zA-Z0-9-]{1,64}")


class RequestIdMiddleware:
    """Give each request an id (the proxy's X-Request-ID when it is safe to log, a new one otherwise), answer it in
    the X-Request-ID header and put it, with the user's id, on every log line written meanwhile (portal.request_log).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get("X-Request-ID", "")
        request.request_id = offered if SAFE_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        token = current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response.headers["X-Request-ID"] = request.request_id
        return response
