"""Security headers: the Content-Security-Policy on every page, no inline script or style anywhere, secure
cookies and HSTS in production. Logging in, the throttle and sessions are in tests/portal/test_login.py.

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

from tests.portal.html_scan import inline_code
from tests.portal.url_walk import ARGUMENTS, named_patterns
from tests.scenarios import ROLES, build_world

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
