import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from portal.forms import EmailLoginForm
from tests import factories

pytestmark = pytest.mark.django_db


def login(client, email, password):
    return client.post(reverse("portal:login"), {"username": email, "password": password})


def test_login_with_email_redirects_home(client, user_a, password):
    response = login(client, user_a.email, password)
    assert response.status_code == 302
    assert response["Location"] == reverse("public:home")
    assert client.session["_auth_user_id"] == str(user_a.pk)


def test_login_ignores_case_of_email(client, user_a, password):
    response = login(client, user_a.email.upper(), password)
    assert response.status_code == 302


def test_login_with_wrong_password_says_so(client, user_a):
    response = login(client, user_a.email, "wrong")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].errors["__all__"] == [str(EmailLoginForm.error_messages["invalid_login"])]


def test_login_is_throttled_after_repeated_failures(client, user_a, password, settings):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        login(client, user_a.email, "wrong")
    response = login(client, user_a.email, password)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].errors["__all__"] == [str(EmailLoginForm.error_messages["locked"])]


def test_login_throttle_does_not_lock_other_accounts(client, user_a, user_b, password, settings):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        login(client, user_a.email, "wrong")
    assert login(client, user_b.email, password).status_code == 302


def test_successful_login_clears_the_failure_count(client, user_a, password, settings):
    settings.LOGIN_MAX_FAILURES = 3
    login(client, user_a.email, "wrong")
    login(client, user_a.email, "wrong")
    assert login(client, user_a.email, password).status_code == 302
    client.logout()
    login(client, user_a.email, "wrong")
    login(client, user_a.email, "wrong")
    assert login(client, user_a.email, password).status_code == 302


def test_logout_needs_post_and_logs_out(client, user_a):
    client.force_login(user_a)
    assert client.get(reverse("portal:logout")).status_code == 405
    response = client.post(reverse("portal:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_mails_a_link_that_sets_a_new_password(client, user_a):
    response = client.post(reverse("portal:password_reset"), {"email": user_a.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user_a.email]
    link = re.search(r"http://testserver(/password/reset/\S+/)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    assert response.context["validlink"] is True
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": "Neues-Passwort-2026", "new_password2": "Neues-Passwort-2026"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:password_reset_complete")
    user_a.refresh_from_db()
    assert user_a.check_password("Neues-Passwort-2026")


def test_password_reset_for_unknown_address_sends_nothing_and_reveals_nothing(client, db):
    response = client.post(reverse("portal:password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_profile_requires_login(client):
    response = client.get(reverse("portal:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


def test_profile_saves_own_details_only(client, user_a):
    client.force_login(user_a)
    response = client.post(
        reverse("portal:profile"),
        {"full_name": "新名字", "phone": "0571-1234", "title": "质量部长", "role": "organiser"},
    )
    assert response.status_code == 302
    user_a.refresh_from_db()
    assert (user_a.full_name, user_a.phone, user_a.title, user_a.role) == (
        "新名字",
        "0571-1234",
        "质量部长",
        "enterprise",
    )


def test_pages_are_chinese_by_default_and_english_on_request(client, db):
    response = client.get(reverse("portal:login"))
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in response.content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("portal:login")})
    assert response.status_code == 302
    response = client.get(reverse("portal:login"))
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in response.content.decode()


def test_every_page_has_a_content_security_policy_without_inline_script(client, db):
    policy = client.get(reverse("public:home"))["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.parametrize(
    ("role_factory", "expected", "absent"),
    [
        (None, [], ["submissions:enterprise_list"]),
        (factories.OrganiserFactory, ["submissions:enterprise_list"], []),
        (factories.EnterpriseUserFactory, [], ["submissions:enterprise_list"]),
        (factories.JudgeFactory, [], ["submissions:enterprise_list"]),
        (factories.RecommenderFactory, [], ["submissions:enterprise_list"]),
    ],
)
def test_navigation_shows_each_role_its_own_entry_points(client, role_factory, expected, absent):
    if role_factory:
        client.force_login(role_factory())
    names = [link["name"] for link in client.get(reverse("public:home")).context["nav_links"]]
    for name in expected:
        assert name in names
    for name in absent:
        assert name not in names


def test_login_page_renders_in_english_with_english_labels(client, db):
    with translation.override("en"):
        response = client.get(reverse("portal:login"), HTTP_ACCEPT_LANGUAGE="en")
    assert "E-mail address" in response.content.decode()
