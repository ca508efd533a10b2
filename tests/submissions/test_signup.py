"""Enterprise sign-up and the organiser's approval (the foundation's people and roles)."""

import pytest
from django.contrib.auth.hashers import check_password
from django.core import mail
from django.urls import reverse
from django.utils import translation

from portal import throttle
from portal.models import User
from submissions.memberships import enterprise_of
from submissions.models import Enterprise, JoinRequest, PeopleEvent
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


def post_signup(client, capture, address="10.1.1.1", **overrides):
    with capture(execute=True):
        return client.post(reverse("submissions:signup"), signup_data(**overrides), REMOTE_ADDR=address)


def confirm_link(message) -> str:
    return next(line for line in message.body.splitlines() if "/signup/confirm/" in line).split("testserver")[-1]


def test_signup_creates_a_pending_enterprise_and_an_inactive_user_and_mails_the_link(
    client, organiser, django_capture_on_commit_callbacks
):
    response = post_signup(client, django_capture_on_commit_callbacks)
    assert (response.status_code, response.url) == (302, reverse("submissions:signup_sent"))
    enterprise = Enterprise.objects.get()
    assert (enterprise.name, enterprise.status) == ("钱塘精工有限公司", Enterprise.Status.PENDING)
    user = User.objects.get(email="sun@qiantang.example")
    assert (user.role, enterprise_of(user), user.full_name, user.is_active) == (
        User.Role.ENTERPRISE,
        enterprise,
        "孙质量",
        False,
    )
    assert "_auth_user_id" not in client.session
    assert sorted(m.to[0] for m in mail.outbox) == sorted(["sun@qiantang.example", organiser.email])


def test_the_signup_link_activates_the_account_logs_it_in_and_works_once(
    client, db, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://testserver"
    post_signup(client, django_capture_on_commit_callbacks)
    link = confirm_link(next(m for m in mail.outbox if m.to == ["sun@qiantang.example"]))
    page = client.get(link)
    assert (page.status_code, page.context["valid"]) == (200, True)
    assert User.objects.get(email="sun@qiantang.example").is_active is False  # opening the link changes nothing
    response = client.post(link)
    assert (response.status_code, response.url) == (302, reverse("public:home"))
    user = User.objects.get(email="sun@qiantang.example")
    assert (user.is_active, client.session["_auth_user_id"]) == (True, str(user.pk))
    client.logout()
    assert client.post(link).status_code == 400


def test_a_forged_signup_link_is_refused(client, db):
    inactive = factories.EnterpriseUserFactory(is_active=False)
    response = client.post(reverse("submissions:signup_confirm", args=["MQ", "forged-token"]))
    other = client.post(reverse("submissions:signup_confirm", args=[str(inactive.pk), "1-abc"]))
    assert (response.status_code, other.status_code) == (400, 400)
    inactive.refresh_from_db()
    assert inactive.is_active is False


def test_signup_records_the_editions_chosen(client, db, django_capture_on_commit_callbacks):
    edition = factories.EditionFactory()
    factories.EditionFactory(status="draft")
    post_signup(client, django_capture_on_commit_callbacks, editions=[edition.pk])
    assert list(Enterprise.objects.get().editions.all()) == [edition]


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


def test_an_existing_email_gets_the_same_answer_and_its_owner_is_told(
    client, user_a, django_capture_on_commit_callbacks
):
    new = post_signup(client, django_capture_on_commit_callbacks, email="new@qiantang.example")
    mail.outbox.clear()
    taken = post_signup(
        client, django_capture_on_commit_callbacks, email=user_a.email.upper(), credit_code=example_credit_code(99)
    )
    assert (taken.status_code, taken.url) == (new.status_code, new.url) == (302, reverse("submissions:signup_sent"))
    assert Enterprise.objects.filter(credit_code=example_credit_code(99)).count() == 0
    assert User.objects.filter(email__iexact=user_a.email).count() == 1
    assert [m.to for m in mail.outbox] == [[user_a.email]]
    with translation.override("zh-hans"):
        assert mail.outbox[0].subject == translation.gettext("Someone tried to register with your e-mail address")
    assert "/password/reset/" in mail.outbox[0].body
    page = client.get(taken.url)
    assert page.status_code == 200
    assert 'id="signup-sent"' in page.content.decode()


def test_an_existing_credit_code_gets_the_same_answer_and_asks_to_join(
    client, organiser, enterprise_a, user_a, django_capture_on_commit_callbacks
):
    administrator = factories.EnterpriseUserFactory(enterprise=enterprise_a, is_administrator=True)
    new = post_signup(client, django_capture_on_commit_callbacks, email="first@qiantang.example")
    mail.outbox.clear()
    taken = post_signup(
        client, django_capture_on_commit_callbacks, email="other@qiantang.example", credit_code=enterprise_a.credit_code
    )
    assert (taken.status_code, taken.url) == (new.status_code, new.url)
    assert Enterprise.objects.filter(credit_code=enterprise_a.credit_code).get() == enterprise_a
    assert not User.objects.filter(email="other@qiantang.example").exists()
    join_request = JoinRequest.objects.get()
    assert (join_request.enterprise, join_request.email, join_request.full_name, join_request.status) == (
        enterprise_a,
        "other@qiantang.example",
        "孙质量",
        JoinRequest.Status.PENDING,
    )
    assert check_password("Qiantang-2026-ok", join_request.password)
    to_person = next(m for m in mail.outbox if m.to == ["other@qiantang.example"])
    to_deciders = next(m for m in mail.outbox if m.to != ["other@qiantang.example"])
    assert len(mail.outbox) == 2
    assert sorted(to_deciders.to) == sorted([administrator.email, organiser.email])  # not user_a, a plain member
    assert enterprise_a.name not in to_person.body + to_person.subject
    assert "钱塘精工有限公司" in to_person.body
    assert enterprise_a.name in to_deciders.body
    assert "other@qiantang.example" in to_deciders.body
    assert reverse("submissions:people") in to_deciders.body
    assert reverse("submissions:enterprise_people", args=[enterprise_a.pk]) in to_deciders.body
    assert list(PeopleEvent.objects.values_list("enterprise", "action", "email", "by")) == [
        (enterprise_a.pk, PeopleEvent.Action.JOIN_REQUESTED, "other@qiantang.example", None)
    ]


def test_signing_up_again_with_a_taken_credit_code_updates_the_pending_request(
    client, enterprise_a, django_capture_on_commit_callbacks
):
    post_signup(
        client, django_capture_on_commit_callbacks, email="other@qiantang.example", credit_code=enterprise_a.credit_code
    )
    post_signup(
        client,
        django_capture_on_commit_callbacks,
        email="other@qiantang.example",
        credit_code=enterprise_a.credit_code,
        full_name="孙新名",
    )
    assert list(JoinRequest.objects.values_list("email", "full_name")) == [("other@qiantang.example", "孙新名")]


def test_signing_up_again_before_confirming_sends_the_link_again(client, db, django_capture_on_commit_callbacks):
    post_signup(client, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    response = post_signup(client, django_capture_on_commit_callbacks)
    assert response.url == reverse("submissions:signup_sent")
    assert (Enterprise.objects.count(), User.objects.count()) == (1, 1)
    assert [m.to for m in mail.outbox] == [["sun@qiantang.example"]]
    assert "/signup/confirm/" in mail.outbox[0].body


def test_signups_over_the_limit_per_address_answer_429_and_create_and_send_nothing(
    client, db, settings, django_capture_on_commit_callbacks
):
    settings.SIGNUP_MAX_PER_ADDRESS = 2
    for n in range(2):
        response = post_signup(
            client, django_capture_on_commit_callbacks, email=f"p{n}@example.com", credit_code=example_credit_code(n)
        )
        assert response.status_code == 302
    mail.outbox.clear()
    refused = post_signup(client, django_capture_on_commit_callbacks, email="p9@example.com")
    assert refused.status_code == 429
    assert refused.context["form"].non_field_errors() == [throttle.refusal_message("signup")]  # in English, as asked
    assert throttle.window_minutes("signup") == 60
    assert (Enterprise.objects.count(), User.objects.count(), mail.outbox) == (2, 2, [])
    other_address = post_signup(client, django_capture_on_commit_callbacks, address="10.9.9.9", email="p9@example.com")
    assert other_address.status_code == 302


def test_signups_over_the_limit_per_email_answer_429_from_any_address(
    client, user_a, settings, django_capture_on_commit_callbacks
):
    settings.SIGNUP_MAX_PER_EMAIL = 1
    first = post_signup(client, django_capture_on_commit_callbacks, address="10.0.0.1", email=user_a.email)
    mail.outbox.clear()
    again = post_signup(client, django_capture_on_commit_callbacks, address="10.0.0.2", email=user_a.email.upper())
    assert (first.status_code, again.status_code) == (302, 429)
    assert (Enterprise.objects.count(), mail.outbox) == (1, [])


@pytest.fixture
def edition(organiser):
    edition = factories.EditionFactory()
    edition.organisers.add(organiser)
    return edition


def pending_for(edition, **fields):
    enterprise = factories.EnterpriseFactory(status=Enterprise.Status.PENDING, **fields)
    enterprise.editions.add(edition)
    return enterprise


def test_organiser_sees_pending_enterprises(client, organiser, edition):
    pending = pending_for(edition, name="待审企业")
    factories.EnterpriseFactory(status=Enterprise.Status.APPROVED, name="已批企业").editions.add(edition)
    client.force_login(organiser)
    response = client.get(reverse("submissions:enterprise_list"))
    assert list(response.context["page"].object_list) == [pending]


def test_enterprise_list_makes_a_fixed_number_of_queries(client, organiser, edition, django_assert_num_queries):
    client.force_login(organiser)
    for _n in range(3):
        pending_for(edition)
    client.get(reverse("submissions:enterprise_list"))
    with django_assert_num_queries(4):
        client.get(reverse("submissions:enterprise_list"))
    for _n in range(30):
        pending_for(edition)
    with django_assert_num_queries(4):
        client.get(reverse("submissions:enterprise_list"))


def test_organiser_approves_an_enterprise_and_its_users_are_told(
    client, organiser, edition, django_capture_on_commit_callbacks
):
    enterprise = pending_for(edition)
    clerk = factories.EnterpriseUserFactory(enterprise=enterprise)
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("submissions:enterprise_review", args=[enterprise.pk]), {"decision": "approve"})
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert (enterprise.status, enterprise.reviewed_by) == (Enterprise.Status.APPROVED, organiser)
    assert [m.to for m in mail.outbox] == [[clerk.email]]


def test_rejecting_an_enterprise_needs_a_reason(client, organiser, edition):
    enterprise = pending_for(edition)
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


def test_another_editions_organiser_neither_sees_nor_reviews_the_enterprise(client, organiser, edition):
    enterprise = pending_for(edition, name="待审企业")
    stranger = factories.OrganiserFactory()
    factories.EditionFactory().organisers.add(stranger)
    client.force_login(stranger)
    assert list(client.get(reverse("submissions:enterprise_list")).context["page"].object_list) == []
    review = client.get(reverse("submissions:enterprise_review", args=[enterprise.pk]))
    approve = client.post(reverse("submissions:enterprise_review", args=[enterprise.pk]), {"decision": "approve"})
    assert (review.status_code, approve.status_code) == (404, 404)
    enterprise.refresh_from_db()
    assert enterprise.status == Enterprise.Status.PENDING


def test_an_organiser_reviews_an_enterprise_with_an_entry_in_its_edition(client, organiser, edition):
    enterprise = factories.EnterpriseFactory(status=Enterprise.Status.PENDING)
    factories.EntryFactory(edition=edition, category__edition=edition, enterprise=enterprise)
    client.force_login(organiser)
    client.post(reverse("submissions:enterprise_review", args=[enterprise.pk]), {"decision": "approve"})
    enterprise.refresh_from_db()
    assert enterprise.status == Enterprise.Status.APPROVED


def test_the_platform_administrator_reviews_any_enterprise_even_one_registered_for_no_edition(client, db):
    enterprise = factories.EnterpriseFactory(status=Enterprise.Status.PENDING)
    staff = factories.OrganiserFactory(is_staff=True)  # an association's organiser: staff status opens nothing more
    client.force_login(staff)
    assert list(client.get(reverse("submissions:enterprise_list")).context["page"].object_list) == []
    platform = factories.OrganiserFactory(is_superuser=True, association=False)
    client.force_login(platform)
    assert list(client.get(reverse("submissions:enterprise_list")).context["page"].object_list) == [enterprise]
    client.post(reverse("submissions:enterprise_review", args=[enterprise.pk]), {"decision": "approve"})
    enterprise.refresh_from_db()
    assert (enterprise.status, enterprise.reviewed_by) == (Enterprise.Status.APPROVED, platform)


# --- password reset: the same answer for every address, and limited like the sign-up --------------------------


def post_reset(client, capture, email, address="10.2.2.2"):
    with capture(execute=True):
        return client.post(reverse("portal:password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(
    client, user_a, django_capture_on_commit_callbacks
):
    known = post_reset(client, django_capture_on_commit_callbacks, user_a.email)
    unknown = post_reset(client, django_capture_on_commit_callbacks, "nobody@example.com")
    assert (
        (known.status_code, known.url)
        == (unknown.status_code, unknown.url)
        == (
            302,
            reverse("portal:password_reset_done"),
        )
    )
    assert [m.to for m in mail.outbox] == [[user_a.email]]
    done = client.get(known.url)
    with translation.override(done.wsgi_request.LANGUAGE_CODE):
        promise = translation.gettext(
            "If an account uses this address, a link to set a new password is on its way. It is valid for three days."
        )
    assert promise in done.content.decode()


def test_password_reset_mail_is_queued_after_the_request_not_sent_during_it(
    client, user_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("portal:password_reset"), {"email": user_a.email})
    assert (len(callbacks), mail.outbox) == (1, [])
    callbacks[0]()
    assert [m.to for m in mail.outbox] == [[user_a.email]]


def test_password_resets_over_the_limit_per_email_answer_429_and_send_nothing(
    client, user_a, settings, django_capture_on_commit_callbacks
):
    settings.PASSWORD_RESET_MAX_PER_EMAIL = 2
    statuses = [
        post_reset(client, django_capture_on_commit_callbacks, user_a.email, address=f"10.3.3.{n}").status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert len(mail.outbox) == 2
    refused = post_reset(client, django_capture_on_commit_callbacks, user_a.email.upper(), address="10.4.4.4")
    assert refused.status_code == 429
    assert refused.context["form"].non_field_errors() == [throttle.refusal_message("reset")]  # in English, as asked
    assert len(mail.outbox) == 2


def test_password_resets_over_the_limit_per_address_answer_429_for_known_and_unknown_alike(
    client, user_a, settings, django_capture_on_commit_callbacks
):
    settings.PASSWORD_RESET_MAX_PER_ADDRESS = 2
    post_reset(client, django_capture_on_commit_callbacks, "a@example.com")
    post_reset(client, django_capture_on_commit_callbacks, "b@example.com")
    known = post_reset(client, django_capture_on_commit_callbacks, user_a.email)
    unknown = post_reset(client, django_capture_on_commit_callbacks, "c@example.com")
    assert (known.status_code, unknown.status_code) == (429, 429)
    assert mail.outbox == []


def test_sign_up_and_password_reset_are_counted_apart(client, user_a, settings, django_capture_on_commit_callbacks):
    settings.PASSWORD_RESET_MAX_PER_ADDRESS = 1
    settings.SIGNUP_MAX_PER_ADDRESS = 1
    assert post_reset(client, django_capture_on_commit_callbacks, user_a.email, address="10.5.5.5").status_code == 302
    signup = post_signup(client, django_capture_on_commit_callbacks, address="10.5.5.5")
    assert signup.status_code == 302
    assert User.objects.filter(email="sun@qiantang.example").exists()
