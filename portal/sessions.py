"""Sliding log-ins: a session lasts SESSION_COOKIE_AGE (SESSION_IDLE_HOURS) after the last request, not after
the log-in, so a judge who works all day is never logged out mid-sheet.

Renewing a session writes it; a request renews it at most every RENEW_EVERY_SECONDS (the time of the last renewal
is kept in the session), so a judge's autosaves and an organiser's live board do not write the session each time.
"""

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

RENEWED_AT = "_session_renewed_at"
RENEW_EVERY_SECONDS = 5 * 60


class SlidingSessionMiddleware:
    """Renew a logged-in session (its expiry and its cookie) once it was last renewed RENEW_EVERY_SECONDS ago."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # After the view: a log-out has emptied the session, a log-in has just renewed it.
        if session is not None and "_auth_user_id" in session:
            now = int(time.time())
            if now - session.get(RENEWED_AT, 0) >= RENEW_EVERY_SECONDS:
                session[RENEWED_AT] = now  # modified: SessionMiddleware saves it with a new expiry and cookie
        return response


@receiver(user_logged_in)
def renewed_at_log_in(sender, request, user, **kwargs):
    """A log-in saves a fresh session: it counts as renewed then."""
    if getattr(request, "session", None) is not None:
        request.session[RENEWED_AT] = int(time.time())
