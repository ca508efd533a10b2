"""Logging in and out (portal/views.py) and the log-in throttle (portal/throttle.py): by e-mail in any case, locked
after repeated failures per account and per address (behind the proxy too), sessions that expire and end on the
server, and the admin's log-in under the same throttle."""

import threading
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.core.cache import caches
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from portal import throttle
from portal.forms import EmailLoginForm
from portal.models import LoginAttempt
from tests.conftest import need, postgres_available

pytestmark = pytest.mark.django_db


def _login(client, email, password, address="10.0.0.1"):
    return client.post(reverse("portal:login"), {"username": email, "password": password}, REMOTE_ADDR=address)


def _locked(response) -> bool:
    form = response.context["form"] if response.context else None
    return bool(form) and [error.code for error in form.errors.as_data().get("__all__", [])] == ["locked"]


# --- logging in -------------------------------------------------------------------------------------


def test_login_with_email_redirects_to_the_role_s_landing(client, user_a, password):
    response = _login(client, user_a.email, password)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:landing")
    assert client.session["_auth_user_id"] == str(user_a.pk)


def test_login_ignores_case_of_email(client, user_a, password):
    response = _login(client, user_a.email.upper(), password)
    assert response.status_code == 302


def test_login_with_wrong_password_says_so(client, user_a):
    response = _login(client, user_a.email, "wrong")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].errors["__all__"] == [str(EmailLoginForm.error_messages["invalid_login"])]


def test_login_throttle_does_not_lock_other_accounts(client, user_a, user_b, password, settings):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        _login(client, user_a.email, "wrong")
    assert _login(client, user_b.email, password).status_code == 302


def test_successful_login_clears_the_failure_count(client, user_a, password, settings):
    settings.LOGIN_MAX_FAILURES = 3
    _login(client, user_a.email, "wrong")
    _login(client, user_a.email, "wrong")
    assert _login(client, user_a.email, password).status_code == 302
    client.logout()
    _login(client, user_a.email, "wrong")
    _login(client, user_a.email, "wrong")
    assert _login(client, user_a.email, password).status_code == 302


# --- the throttle ------------------------------------------------------------------------------------


def test_login_lock_covers_the_right_password_and_every_spelling_of_the_address(client, user_a, password, settings):
    settings.LOGIN_MAX_FAILURES = 3
    _login(client, user_a.email, "wrong")
    _login(client, user_a.email.upper(), "wrong")
    _login(client, f"  {user_a.email}  ", "wrong")
    response = _login(client, user_a.email, password, address="10.9.9.9")
    assert (response.status_code, _locked(response), "_auth_user_id" in client.session) == (200, True, False)


def test_login_lock_ends_after_the_lockout_time(client, user_a, password, settings, time_machine):
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
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 8
    for index in range(8):  # each on a different account
        assert not _locked(_login(client, f"nobody{index}@example.com", "guess", address="203.0.113.7"))
    assert _locked(_login(client, user_b.email, password, address="203.0.113.7"))
    assert _login(client, user_b.email, password, address="198.51.100.1").status_code == 302


def test_a_shared_network_never_locks_out_the_honest(client, user_a, password, settings):
    """A venue's Wi-Fi: one address for every judge; 20 typos and guesses across accounts lock nobody out."""
    settings.LOGIN_MAX_FAILURES = 5
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 100
    for index in range(20):
        _login(client, f"judge{index}@example.com", "typo", address="10.20.0.1")
    _login(client, user_a.email, "typo", address="10.20.0.1")
    response = _login(client, user_a.email, password, address="10.20.0.1")
    assert (response.status_code, client.session["_auth_user_id"]) == (302, str(user_a.pk))


def test_the_address_limit_is_its_own_setting(client, user_b, password, settings):
    settings.LOGIN_MAX_FAILURES = 5
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 30
    for index in range(30):
        assert not _locked(_login(client, f"nobody{index}@example.com", "guess", address="203.0.113.8"))
    assert _locked(_login(client, user_b.email, password, address="203.0.113.8"))


def test_a_successful_log_in_does_not_count_against_its_address(client, user_a, password, settings):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 2
    for _ in range(3):
        assert _login(client, user_a.email, password, address="10.30.0.1").status_code == 302
        client.logout()
    assert LoginAttempt.objects.count() == 0


def test_the_account_key_is_the_resolved_user_in_any_spelling(user_a):
    assert throttle.account_key(user_a.email.upper()) == throttle.account_key(user_a.email) == f"user:{user_a.pk}"


def test_an_unknown_e_mail_is_keyed_on_its_normalised_text():
    # NFKC and case-folding: the long s, full-width letters and upper case are one key; existence is not told.
    key = throttle.account_key("nobody.is@example.com")
    assert key.startswith("email:")
    assert throttle.account_key("NOBODY.Iſ@example.com") == key
    assert throttle.account_key("ｎｏｂｏｄｙ.is@example.com") == key
    assert throttle.account_key("nobody.iz@example.com") != key


def test_an_unknown_e_mail_is_locked_like_an_account(client, settings):
    settings.LOGIN_MAX_FAILURES = 2
    _login(client, "nobody.is@example.com", "guess")
    _login(client, "NOBODY.IS@example.com", "guess")
    assert _locked(_login(client, "nobody.iſ@example.com", "guess", address="10.9.9.9"))


def test_a_unicode_case_variant_cannot_bypass_the_lock(client, django_user_model, password, settings):
    need("PostgreSQL", postgres_available(), "PostgreSQL's UPPER() maps the long s (ſ) to S; SQLite's LIKE does not")
    settings.LOGIN_MAX_FAILURES = 3
    victim = django_user_model.objects.create_user(email="victim.is@example.com", password=password)
    assert throttle.account_key("victim.iſ@example.com") == f"user:{victim.pk}"
    for _ in range(3):
        _login(client, "victim.is@example.com", "guess")
    response = _login(client, "victim.iſ@example.com", password, address="10.9.9.9")
    assert (response.status_code, _locked(response), "_auth_user_id" in client.session) == (200, True, False)


def test_the_lock_message_says_how_long(client, user_a, password, settings):
    settings.LOGIN_MAX_FAILURES = 1
    _login(client, user_a.email, "wrong")
    with translation.override("en"):
        settings.LOGIN_LOCKOUT_SECONDS = 1800
        response = _login(client, user_a.email, password)
        # The page speaks the portal's default language (the request's own, not the override).
        assert response.context["form"].errors["__all__"] == ["登录失败次数过多。请等待 30 分钟，或重置密码。"]
        settings.LOGIN_LOCKOUT_SECONDS = 90
        _login(client, user_a.email, "wrong")
        response = _login(client, user_a.email, password)
        assert response.context["form"].errors["__all__"] == ["登录失败次数过多。请等待 2 分钟，或重置密码。"]
        settings.LOGIN_LOCKOUT_SECONDS = 60
        response = _login(client, user_a.email, password)
        assert response.context["form"].errors["__all__"] == ["登录失败次数过多。请等待 1 分钟，或重置密码。"]


def test_the_throttle_holds_while_the_cache_is_down(client, user_a, password, settings):
    """Redis down: every cache call raises. The throttle counts in the database, so a locked account stays locked
    and the right password still logs in once the lock ends."""
    settings.LOGIN_MAX_FAILURES = 2
    down = mock.Mock(side_effect=ConnectionError("Redis is down"))
    with mock.patch.multiple(
        type(caches["default"]), get=down, add=down, incr=down, set=down, delete=down, get_many=down
    ):
        _login(client, user_a.email, "wrong")
        _login(client, user_a.email, "wrong")
        response = _login(client, user_a.email, password, address="10.9.9.9")
        assert (response.status_code, _locked(response), "_auth_user_id" in client.session) == (200, True, False)
    assert down.call_count == 0


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_get_at_most_the_limit_of_checks(user_a, settings):
    need("PostgreSQL", postgres_available(), "the in-memory SQLite test database locks whole tables between threads")
    settings.LOGIN_MAX_FAILURES = 5
    checks = []
    lock = threading.Lock()
    real_authenticate = auth_forms.authenticate

    def counting_authenticate(*args, **kwargs):
        with lock:
            checks.append(1)
        return real_authenticate(*args, **kwargs)

    barrier = threading.Barrier(16)
    outcomes = [None] * 16

    def attempt(index):
        try:
            request = RequestFactory().post("/login/", REMOTE_ADDR=f"10.40.0.{index}")
            form = EmailLoginForm(request=request, data={"username": user_a.email, "password": f"guess{index}"})
            barrier.wait(timeout=10)
            form.is_valid()
            outcomes[index] = [error.code for error in form.errors.as_data()["__all__"]]
        finally:
            connection.close()

    with mock.patch.object(auth_forms, "authenticate", counting_authenticate):
        threads = [threading.Thread(target=attempt, args=(index,)) for index in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    checked = outcomes.count(["invalid_login"])
    assert (len(checks), checked, checked + outcomes.count(["locked"])) == (checked, checked, 16)
    assert checked == 5  # exactly the limit: counted one after the other, never more and never none
    # Every check is counted, every refusal taken back: the account is locked after exactly the checks made.
    assert LoginAttempt.objects.filter(key=f"user:{user_a.pk}").count() == checked


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


def test_logout_needs_post_and_ends_the_session_on_the_server(client, user_a, password):
    _login(client, user_a.email, password)
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get(reverse("portal:logout")).status_code == 405
    assert client.post(reverse("portal:logout")).status_code == 302
    assert "_auth_user_id" not in client.session
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
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 8
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
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 8
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
    assert (response.status_code, "_auth_user_id" in client.session, _locked(response)) == (200, False, True)


def test_admin_log_in_still_works_for_staff_and_refuses_others(client, user_a, password, django_user_model):
    django_user_model.objects.create_superuser(email="root@example.com", password="correct-horse-battery")
    url = reverse("admin:login")
    response = client.post(url, {"username": user_a.email, "password": password, "next": "/admin/"})
    assert (response.status_code, "_auth_user_id" in client.session) == (200, False)
    response = client.post(
        url, {"username": "root@example.com", "password": "correct-horse-battery", "next": "/admin/"}
    )
    assert (response.status_code, response["Location"]) == (302, "/admin/")


# --- logging in again in place (a judge's sheet) ----------------------------------------------------------

SCRIPT = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest", "REMOTE_ADDR": "10.0.0.1"}


def test_the_inline_log_in_answers_json_with_a_fresh_csrf_token(user_a, password):
    client = Client(enforce_csrf_checks=True)
    url = reverse("portal:login_inline")
    asked = client.get(url, **SCRIPT).json()
    assert (asked["ok"], asked["authenticated"], asked["user"], len(asked["csrf"])) == (True, False, None, 64)
    refused = client.post(url, {"username": user_a.email, "password": password}, **SCRIPT)
    assert refused.status_code == 403  # no CSRF token: the page asks for one first
    with translation.override("zh-hans"):
        wrong_text = str(EmailLoginForm.error_messages["invalid_login"])
    wrong = client.post(
        url, {"username": user_a.email, "password": "wrong", "csrfmiddlewaretoken": asked["csrf"]}, **SCRIPT
    )
    assert (wrong.status_code, wrong.json()) == (400, {"ok": False, "errors": [wrong_text]})
    right = client.post(
        url, {"username": user_a.email, "password": password, "csrfmiddlewaretoken": asked["csrf"]}, **SCRIPT
    )
    body = right.json()
    assert (right.status_code, body["ok"], body["authenticated"], body["user"]) == (200, True, True, user_a.pk)
    assert body["csrf"] != asked["csrf"]  # logging in replaces the token
    assert client.get(reverse("portal:profile")).status_code == 200


def test_the_inline_log_in_is_throttled_like_the_log_in_page(user_a, password, settings):
    settings.LOGIN_MAX_FAILURES = 2
    client = Client()
    url = reverse("portal:login_inline")
    for _n in range(2):
        assert client.post(url, {"username": user_a.email, "password": "wrong"}, **SCRIPT).status_code == 400
    locked = client.post(url, {"username": user_a.email, "password": password}, **SCRIPT)
    with translation.override("zh-hans"):
        message = EmailLoginForm.error_messages["locked"] % {"minutes": throttle.lockout_minutes()}
    assert (locked.status_code, locked.json()["errors"]) == (400, [str(message)])
    assert LoginAttempt.objects.filter(key=f"user:{user_a.pk}").count() == 2
    assert client.get(reverse("portal:profile")).status_code == 302


# --- sign-up and password reset, counted by the same rows -----------------------------------------------------


def test_sign_up_and_reset_limits_end_after_their_own_window(settings, time_machine, db):
    settings.SIGNUP_MAX_PER_EMAIL = 1
    settings.SIGNUP_RESET_WINDOW_SECONDS = 3600
    settings.LOGIN_LOCKOUT_SECONDS = 900
    time_machine.move_to(timezone.now(), tick=False)
    assert throttle.allow(action="signup", email="a@example.com", address="10.0.0.1") is True
    time_machine.shift(1000)
    # a log-in now deletes the rows its own (shorter) window no longer counts, but not the sign-up's
    assert throttle.reserve(email="b@example.com", address="10.0.0.1") is not None
    assert throttle.allow(action="signup", email="A@Example.com", address="10.0.0.2") is False
    time_machine.shift(2601)
    assert throttle.allow(action="signup", email="a@example.com", address="10.0.0.2") is True


def test_a_refused_request_is_not_counted(settings, db):
    settings.PASSWORD_RESET_MAX_PER_EMAIL = 1
    settings.PASSWORD_RESET_MAX_PER_ADDRESS = 2
    assert throttle.allow(action="reset", email="a@example.com", address="10.0.0.1") is True
    assert throttle.allow(action="reset", email="a@example.com", address="10.0.0.1") is False
    assert throttle.allow(action="reset", email="b@example.com", address="10.0.0.1") is True
    assert LoginAttempt.objects.filter(key__startswith="reset:ip:").count() == 2


def test_sign_up_rows_never_count_against_a_log_in(settings, user_a, password, client, db):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 1
    settings.SIGNUP_MAX_PER_ADDRESS = 5
    for n in range(3):
        throttle.allow(action="signup", email=f"x{n}@example.com", address="10.0.0.1")
    response = _login(client, user_a.email, password)
    assert response.status_code == 302
