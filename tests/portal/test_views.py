import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portal.models import User
from tests import factories

pytestmark = pytest.mark.django_db


def test_password_reset_mails_a_link_that_sets_a_new_password(client, user_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail is queued once the request's work commits
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


def test_password_reset_for_unknown_address_sends_nothing_and_reveals_nothing(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
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


# --- where each role starts, and invitations -------------------------------------------------------


@pytest.mark.parametrize(
    ("role_factory", "landing"),
    [
        (factories.OrganiserFactory, "events:todo"),
        (factories.JudgeFactory, "scoring:judge_today"),
        (factories.EnterpriseUserFactory, "submissions:dashboard"),
        (factories.RecommenderFactory, "submissions:recommendation_upload"),
    ],
)
def test_landing_sends_each_role_where_its_work_is(client, role_factory, landing):
    client.force_login(role_factory())
    response = client.get(reverse("portal:landing"))
    assert (response.status_code, response.url) == (302, reverse(landing))


def test_landing_sends_a_superuser_to_the_organisers_to_do_list(client, db):
    client.force_login(User.objects.create_superuser("root@example.com", "x", full_name="管理员"))
    assert client.get(reverse("portal:landing")).url == reverse("events:todo")


def test_landing_asks_an_anonymous_visitor_to_log_in(client, db):
    response = client.get(reverse("portal:landing"))
    assert response.url == f"{reverse('portal:login')}?next={reverse('portal:landing')}"


def _invited_judge():
    judge = factories.JudgeFactory(email="wang@judges.example")
    judge.set_unusable_password()
    judge.save()
    return judge


def _invitation_path(judge):
    return reverse(
        "portal:accept_invitation",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(judge.pk)),
            "token": default_token_generator.make_token(judge),
        },
    )


def test_accepting_an_invitation_sets_the_password_logs_in_and_lands(client, db):
    judge = _invited_judge()
    page = client.get(_invitation_path(judge), follow=True)
    assert page.context["validlink"] is True
    response = client.post(
        page.redirect_chain[-1][0], {"new_password1": "Richter-Passwort-26", "new_password2": "Richter-Passwort-26"}
    )
    assert (response.status_code, response.url) == (302, reverse("portal:landing"))
    judge.refresh_from_db()
    assert judge.check_password("Richter-Passwort-26") is True
    assert client.session["_auth_user_id"] == str(judge.pk)


def test_an_invitation_works_once(client, db):
    judge = _invited_judge()
    path = _invitation_path(judge)
    page = client.get(path, follow=True)
    client.post(
        page.redirect_chain[-1][0], {"new_password1": "Richter-Passwort-26", "new_password2": "Richter-Passwort-26"}
    )
    client.logout()
    again = client.get(path, follow=True)
    assert again.context["validlink"] is False
    assert 'id="invitation-invalid"' in again.content.decode()


def test_an_expired_invitation_is_refused_and_sets_nothing(client, db, settings):
    judge = _invited_judge()
    path = _invitation_path(judge)
    settings.PASSWORD_RESET_TIMEOUT = -1  # every token is older than this
    page = client.get(path, follow=True)
    assert page.context["validlink"] is False
    judge.refresh_from_db()
    assert judge.has_usable_password() is False
