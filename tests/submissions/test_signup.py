"""Enterprise sign-up and the organiser's approval (the foundation's people and roles)."""

import pytest
from django.core import mail
from django.urls import reverse

from portal.models import User
from submissions.memberships import enterprise_of
from submissions.models import Enterprise
from submissions.validators import example_credit_code
from tests import factories

pytestmark = pytest.mark.django_db


def signup_data(**overrides):
    data = {
        "name": "钱塘精工有限公司",
        "credit_code": example_credit_code(4242),
        "province": "zhejiang",
        "industry": "通用设备",
        "parent_group": "",
        "address": "杭州市",
        "full_name": "孙质量",
        "email": "sun@qiantang.example",
        "phone": "",
        "password1": "Qiantang-2026-ok",
        "password2": "Qiantang-2026-ok",
    }
    data.update(overrides)
    return data


def test_signup_creates_a_pending_enterprise_and_logs_its_user_in(
    client, organiser, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("submissions:signup"), signup_data())
    assert response.status_code == 302
    enterprise = Enterprise.objects.get()
    assert (enterprise.name, enterprise.status) == ("钱塘精工有限公司", Enterprise.Status.PENDING)
    user = User.objects.get(email="sun@qiantang.example")
    assert (user.role, enterprise_of(user), user.full_name) == (User.Role.ENTERPRISE, enterprise, "孙质量")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert [m.to for m in mail.outbox] == [[organiser.email]]


def test_signup_normalises_a_lower_case_credit_code(client, db):
    client.post(reverse("submissions:signup"), signup_data(credit_code=example_credit_code(7).lower()))
    assert Enterprise.objects.get().credit_code == example_credit_code(7)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("credit_code", "91330100799655058C"),
        ("credit_code", "123"),
        ("email", "not-an-address"),
        ("password2", "something-else-2026"),
        ("password1", "123"),
        ("province", "atlantis"),
        ("name", ""),
    ],
)
def test_signup_refuses_bad_input_and_keeps_what_was_typed(client, db, field, value):
    response = client.post(reverse("submissions:signup"), signup_data(**{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert set(response.context["form"].errors) & {field, "password2"}
    assert Enterprise.objects.count() == 0
    assert User.objects.count() == 0
    assert response.context["form"]["industry"].value() == "通用设备"


def test_signup_refuses_an_enterprise_already_registered(client, enterprise_a):
    response = client.post(reverse("submissions:signup"), signup_data(credit_code=enterprise_a.credit_code))
    assert "credit_code" in response.context["form"].errors
    assert Enterprise.objects.count() == 1


def test_signup_refuses_an_email_already_used(client, user_a):
    response = client.post(reverse("submissions:signup"), signup_data(email=user_a.email.upper()))
    assert "email" in response.context["form"].errors
    assert Enterprise.objects.filter(name="钱塘精工有限公司").count() == 0


def test_signup_posted_twice_creates_one_enterprise(client, db):
    client.post(reverse("submissions:signup"), signup_data())
    client.logout()
    response = client.post(reverse("submissions:signup"), signup_data())
    assert response.status_code == 200
    assert Enterprise.objects.count() == 1
    assert User.objects.count() == 1


def test_organiser_sees_pending_enterprises(client, organiser):
    pending = factories.EnterpriseFactory(status=Enterprise.Status.PENDING, name="待审企业")
    factories.EnterpriseFactory(status=Enterprise.Status.APPROVED, name="已批企业")
    client.force_login(organiser)
    response = client.get(reverse("submissions:enterprise_list"))
    assert list(response.context["page"].object_list) == [pending]


def test_enterprise_list_makes_a_fixed_number_of_queries(client, organiser, django_assert_num_queries):
    client.force_login(organiser)
    factories.EnterpriseFactory.create_batch(3, status=Enterprise.Status.PENDING)
    client.get(reverse("submissions:enterprise_list"))
    with django_assert_num_queries(4):
        client.get(reverse("submissions:enterprise_list"))
    factories.EnterpriseFactory.create_batch(30, status=Enterprise.Status.PENDING)
    with django_assert_num_queries(4):
        client.get(reverse("submissions:enterprise_list"))


def test_organiser_approves_an_enterprise_and_its_users_are_told(client, organiser, django_capture_on_commit_callbacks):
    enterprise = factories.EnterpriseFactory(status=Enterprise.Status.PENDING)
    clerk = factories.EnterpriseUserFactory(enterprise=enterprise)
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("submissions:enterprise_review", args=[enterprise.pk]), {"decision": "approve"})
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert (enterprise.status, enterprise.reviewed_by) == (Enterprise.Status.APPROVED, organiser)
    assert [m.to for m in mail.outbox] == [[clerk.email]]


def test_rejecting_an_enterprise_needs_a_reason(client, organiser):
    enterprise = factories.EnterpriseFactory(status=Enterprise.Status.PENDING)
    client.force_login(organiser)
    response = client.post(reverse("submissions:enterprise_review", args=[enterprise.pk]), {"decision": "reject"})
    assert response.status_code == 200
    assert "note" in response.context["form"].errors
    enterprise.refresh_from_db()
    assert enterprise.status == Enterprise.Status.PENDING
    client.post(
        reverse("submissions:enterprise_review", args=[enterprise.pk]), {"decision": "reject", "note": "信用代码不符"}
    )
    enterprise.refresh_from_db()
    assert (enterprise.status, enterprise.review_note) == (Enterprise.Status.REJECTED, "信用代码不符")


@pytest.mark.parametrize("who", ["user_a", "judge", "recommender"])
def test_other_roles_cannot_see_or_review_enterprises(client, request, who):
    enterprise = factories.EnterpriseFactory(status=Enterprise.Status.PENDING)
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("submissions:enterprise_list")).status_code == 403
    response = client.post(reverse("submissions:enterprise_review", args=[enterprise.pk]), {"decision": "approve"})
    assert response.status_code == 403
    enterprise.refresh_from_db()
    assert enterprise.status == Enterprise.Status.PENDING


def test_anonymous_is_sent_to_log_in_from_the_enterprise_review(client, db):
    enterprise = factories.EnterpriseFactory(status=Enterprise.Status.PENDING)
    listing = client.get(reverse("submissions:enterprise_list"))
    review = client.post(reverse("submissions:enterprise_review", args=[enterprise.pk]), {"decision": "approve"})
    assert (listing.status_code, review.status_code) == (302, 302)
    assert review.url.startswith("/login/")
    enterprise.refresh_from_db()
    assert enterprise.status == Enterprise.Status.PENDING


def test_review_of_unknown_enterprise_is_404(client, organiser):
    client.force_login(organiser)
    assert client.get(reverse("submissions:enterprise_review", args=[999999])).status_code == 404


def test_signup_refuses_a_weak_password(client, db):
    response = client.post(reverse("submissions:signup"), signup_data(password1="12345678", password2="12345678"))
    assert "password1" in response.context["form"].errors
    assert User.objects.count() == 0
