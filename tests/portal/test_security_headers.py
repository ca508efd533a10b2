"""Headers and sessions: the Content-Security-Policy on every page, no inline script or style anywhere, secure
cookies and HSTS in production, log-in throttling through the log-in page, and sessions that expire.

`check --deploy` with the production settings is tested in tests/portal/test_settings.py.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.forms import EmailLoginForm
from tests.portal.html_scan import inline_code
from tests.portal.security_world import ROLES, build_world
from tests.portal.test_permission_matrix import ARGUMENTS
from tests.portal.url_walk import named_patterns

TEMPLATES = Path(settings.BASE_DIR) / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*\sstyle\s*=", re.IGNORECASE)
EVENT_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)


# --- Content-Security-Policy -------------------------------------------------------------------------


def _directives(policy: str) -> dict[str, list[str]]:
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def test_policy_forbids_inline_script_and_style():
    client = Client()
    policy = _directives(client.get(reverse("portal:login"))["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert all("'unsafe-inline'" not in values and "'unsafe-eval'" not in values for values in policy.values())


def _every_get_url(world):
    urls = []
    for name, _route, parameters in named_patterns():
        kwargs = {
            key: getattr(world.objects[obj], "pk", world.objects[obj]) for key, obj in ARGUMENTS.get(name, {}).items()
        }
        if parameters and not kwargs:
            continue  # no row in the permission matrix: that test fails for it
        urls.append(reverse(name, kwargs=kwargs))
    return urls


@pytest.mark.parametrize("role", ROLES)
def test_every_page_carries_the_policy_and_no_inline_code(db, role):
    world = build_world()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if world.users[role] is not None:
        client.force_login(world.users[role])
    problems = []
    for url in _every_get_url(world):
        cache.clear()
        response = client.get(url)
        policy = response.get("Content-Security-Policy", "")
        if "script-src 'self'" not in policy or "unsafe-inline" in policy:
            problems.append((url, "policy", policy))
        if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
            problems += [(url, found) for found in inline_code(response.content.decode())]
    assert problems == []


def test_no_template_has_inline_script_or_style():
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for what, pattern in [
            ("inline script", INLINE_SCRIPT),
            ("style attribute", STYLE_ATTRIBUTE),
            ("event handler attribute", EVENT_ATTRIBUTE),
            ("style element", STYLE_ELEMENT),
        ]:
            for found in pattern.finditer(text):
                problems.append((str(path.relative_to(TEMPLATES)), what, text[found.start() : found.start() + 60]))
        for found in re.finditer(r"<script[^>]*>(.*?)</script>", text, re.IGNORECASE | re.DOTALL):
            if found.group(1).strip():
                problems.append((str(path.relative_to(TEMPLATES)), "script with code", found.group(1)[:60]))
    assert problems == []


def test_the_template_scan_finds_what_it_looks_for():
    bad = '<p style="color:red">x</p><script>alert(1)</script><style>p{}</style><a onclick="x()">y</a>'
    assert STYLE_ATTRIBUTE.search(bad) and INLINE_SCRIPT.search(bad) and STYLE_ELEMENT.search(bad)
    assert EVENT_ATTRIBUTE.search(bad)
    good = '<script src="/static/x.js" defer></script><script id="d" type="application/json">{}</script>'
    assert INLINE_SCRIPT.search(good) is None
    assert inline_code(good + '<tr data-x="&quot; onerror=alert(1)">') == []
    assert inline_code(bad + '<a href="javascript:alert(1)">') == [
        "<p style=…> style attribute",
        "<script> without src",
        "<style> element",
        "<a onclick=…> event handler attribute",
        "<a href=javascript:…>",
    ]


# --- production settings: secure cookies, HSTS -----------------------------------------------------------

PRODUCTION_PROBE = r"""
import json
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
call_command("migrate", verbosity=0)
from portal.models import User
User.objects.create_user(
    email="clerk@example.com", password="correct-horse-battery", full_name="x", role=User.Role.ORGANISER
)
client = Client(HTTP_HOST="qc.example.org")
plain = client.get("/login/")
secure = client.get("/login/", secure=True)
csrf = secure.cookies["csrftoken"]
token = secure.context["csrf_token"] if secure.context else None
logged_in = client.post(
    "/login/",
    {"username": "clerk@example.com", "password": "correct-horse-battery", "csrfmiddlewaretoken": str(token)},
    secure=True,
)
session = logged_in.cookies.get("sessionid")
print(json.dumps({
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SESSION_COOKIE_HTTPONLY": settings.SESSION_COOKIE_HTTPONLY,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "hsts": secure.get("Strict-Transport-Security", ""),
    "nosniff": secure.get("X-Content-Type-Options", ""),
    "frame": secure.get("X-Frame-Options", ""),
    "referrer": secure.get("Referrer-Policy", ""),
    "csp": secure.get("Content-Security-Policy", ""),
    "csrf_cookie_secure": bool(csrf["secure"]),
    "login_status": logged_in.status_code,
    "session_secure": bool(session and session["secure"]),
    "session_httponly": bool(session and session["httponly"]),
    "session_samesite": session["samesite"] if session else "",
}))
"""


def test_production_settings_send_hsts_and_only_secure_cookies():
    env = {
        key: value
        for key, value in __import__("os").environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "SECURE_SSL", "CI"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DEBUG="false",
        SECRET_KEY="p" * 20 + "Zx9!q@W#e$R%t^Y&u*I(o)P_a+S=d-F" + "k" * 20,
        ALLOWED_HOSTS="qc.example.org",
        DATABASE_URL="sqlite://:memory:",
        CELERY_BROKER_URL="",
    )
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_SSL_REDIRECT": True,
        "plain_status": 301,
        "plain_location": "https://qc.example.org/login/",
        "hsts": "max-age=31536000; includeSubDomains; preload",
        "nosniff": "nosniff",
        "frame": "DENY",
        "referrer": "same-origin",
        "csp": facts["csp"],
        "csrf_cookie_secure": True,
        "login_status": 302,
        "session_secure": True,
        "session_httponly": True,
        "session_samesite": "Lax",
    }
    assert "script-src 'self'" in facts["csp"] and "unsafe-inline" not in facts["csp"]


# --- log-in throttling, through the log-in page --------------------------------------------------------


def _login(client, email, password, address="10.0.0.1"):
    return client.post(reverse("portal:login"), {"username": email, "password": password}, REMOTE_ADDR=address)


def _locked(response) -> bool:
    form = response.context["form"] if response.context else None
    return bool(form) and form.errors.get("__all__") == [str(EmailLoginForm.error_messages["locked"])]


def test_login_lock_covers_the_right_password_and_every_spelling_of_the_address(client, user_a, password, settings):
    settings.LOGIN_MAX_FAILURES = 3
    _login(client, user_a.email, "wrong")
    _login(client, user_a.email.upper(), "wrong")
    _login(client, f"  {user_a.email}  ", "wrong")
    response = _login(client, user_a.email, password, address="10.9.9.9")
    assert (response.status_code, _locked(response), "_auth_user_id" in client.session) == (200, True, False)


def test_login_lock_ends_after_the_lockout_time(client, user_a, password, settings, time_machine):
    # The lock is the cache entry's lifetime: local memory follows the travelled clock (Redis's own TTL would not).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.LOGIN_MAX_FAILURES = 2
    settings.LOGIN_LOCKOUT_SECONDS = 900
    time_machine.move_to(timezone.now(), tick=False)
    _login(client, user_a.email, "wrong")
    _login(client, user_a.email, "wrong")
    assert _locked(_login(client, user_a.email, password))
    time_machine.shift(899)
    assert _locked(_login(client, user_a.email, password))
    time_machine.shift(2)
    response = _login(client, user_a.email, password)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user_a.pk)


def test_one_address_guessing_many_accounts_is_locked(client, user_b, password, settings):
    settings.LOGIN_MAX_FAILURES = 2
    for index in range(8):  # four times the per-account limit, each on a different account
        assert not _locked(_login(client, f"nobody{index}@example.com", "guess", address="203.0.113.7"))
    assert _locked(_login(client, user_b.email, password, address="203.0.113.7"))
    assert _login(client, user_b.email, password, address="198.51.100.1").status_code == 302


# --- sessions --------------------------------------------------------------------------------------


def test_session_cookie_lives_for_session_cookie_age(client, user_a, password, settings):
    settings.SESSION_COOKIE_AGE = 3600
    response = _login(client, user_a.email, password)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert (cookie["max-age"], cookie["httponly"], cookie["samesite"]) == (3600, True, "Lax")
    assert abs(client.session.get_expiry_age() - 3600) <= 1


def test_expired_session_is_logged_out(client, user_a, password, settings, time_machine):
    settings.SESSION_COOKIE_AGE = 3600
    time_machine.move_to(timezone.now(), tick=False)
    assert _login(client, user_a.email, password).status_code == 302
    assert client.get(reverse("portal:profile")).status_code == 200
    time_machine.shift(3601)
    response = client.get(reverse("portal:profile"))
    assert (response.status_code, response["Location"]) == (302, f"{reverse('portal:login')}?next=/profile/")


def test_logout_ends_the_session_on_the_server(client, user_a, password):
    _login(client, user_a.email, password)
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.post(reverse("portal:logout")).status_code in (200, 302)
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = stolen
    assert thief.get(reverse("portal:profile")).status_code == 302


def test_login_gives_a_new_session_key(client, user_a, password):
    client.get(reverse("portal:login"))
    client.session.save()
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    _login(client, user_a.email, password)
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != before


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/"])
def test_login_does_not_redirect_off_site(client, user_a, password, target):
    response = client.post(
        reverse("portal:login") + "?next=" + target, {"username": user_a.email, "password": password, "next": target}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def _login_via_proxy(client, email, password, forwarded_for):
    return client.post(
        reverse("portal:login"),
        {"username": email, "password": password},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_behind_the_proxy_one_guesser_does_not_lock_everyone_out(client, user_b, password, settings):
    """gunicorn listens on 127.0.0.1 behind nginx (README): every request comes from the proxy's address."""
    settings.BEHIND_PROXY = True
    settings.LOGIN_MAX_FAILURES = 2
    for index in range(8):
        _login_via_proxy(client, f"nobody{index}@example.com", "guess", "203.0.113.7")
    # The guesser is locked, even when it puts a made-up address first; the proxy appends the real one.
    assert _locked(_login_via_proxy(client, user_b.email, password, "198.51.100.99, 203.0.113.7"))
    # Someone else behind the same proxy logs in.
    response = _login_via_proxy(client, user_b.email, password, "198.51.100.1")
    assert response.status_code == 302


def test_without_a_proxy_a_forged_forwarded_address_is_ignored(client, user_b, password, settings):
    settings.BEHIND_PROXY = False
    settings.LOGIN_MAX_FAILURES = 2
    for index in range(8):
        _login(client, f"nobody{index}@example.com", "guess", address="203.0.113.7")
    response = client.post(
        reverse("portal:login"),
        {"username": user_b.email, "password": password},
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    assert _locked(response)


def test_admin_log_in_is_throttled_too(client, settings, django_user_model):
    settings.LOGIN_MAX_FAILURES = 3
    admin = django_user_model.objects.create_superuser(email="root@example.com", password="correct-horse-battery")
    url = reverse("admin:login")
    for _ in range(3):
        client.post(url, {"username": admin.email, "password": "guess", "next": "/admin/"}, REMOTE_ADDR="10.0.0.2")
    response = client.post(
        url, {"username": admin.email, "password": "correct-horse-battery", "next": "/admin/"}, REMOTE_ADDR="10.0.0.3"
    )
    assert (response.status_code, "_auth_user_id" in client.session) == (200, False)
    assert response.context["form"].errors["__all__"] == [str(EmailLoginForm.error_messages["locked"])]


def test_admin_log_in_still_works_for_staff_and_refuses_others(client, user_a, password, django_user_model):
    django_user_model.objects.create_superuser(email="root@example.com", password="correct-horse-battery")
    url = reverse("admin:login")
    response = client.post(url, {"username": user_a.email, "password": password, "next": "/admin/"})
    assert (response.status_code, "_auth_user_id" in client.session) == (200, False)
    response = client.post(
        url, {"username": "root@example.com", "password": "correct-horse-battery", "next": "/admin/"}
    )
    assert (response.status_code, response["Location"]) == (302, "/admin/")
