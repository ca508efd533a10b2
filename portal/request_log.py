"""What every log line says about the request it was written in: the request id and the user id.

portal.middleware.RequestIdMiddleware puts the request into a context variable for the time of the request;
RequestContextFilter (on the console handler, settings.LOGGING) copies its id and user id onto each record, "-"
outside a request. JsonFormatter writes one JSON object a line (LOG_FORMAT=json).
"""

import contextvars
import json
import logging

from django.utils.functional import empty

current_request = contextvars.ContextVar("current_request", default=None)


def _user_id(request) -> str:
    user = getattr(request, "user", None)
    if user is None:
        return "-"
    # Never make a log line load the user (a query, itself logged at DEBUG): only a user already loaded counts.
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is empty or not getattr(wrapped, "is_authenticated", False):
        return "-"
    return str(wrapped.pk)


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request = current_request.get()
        if not hasattr(record, "request_id"):
            record.request_id = getattr(request, "request_id", "-") if request is not None else "-"
        if not hasattr(record, "user_id"):
            record.user_id = _user_id(request) if request is not None else "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, request id, user id, message (and the traceback, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "user_id": getattr(record, "user_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)
