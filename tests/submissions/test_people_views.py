"""The enterprise's users pages (submissions/people_views.py): who gets in (a matrix over two enterprises, both
roles, organisers and a judge), and what each page does."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from portal.models import User
from submissions.memberships import membership_of
from submissions.models import Invitation, JoinRequest, Membership, PeopleEvent
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "admin_a", "member_a", "admin_b", "member_b", "organiser", "other_organiser", "judge")


@pytest.fixture
def world(enterprise_a, enterprise_b, organiser):
    edition = factories.EditionFactory()
    edition.organisers.add(organiser)
    enterprise_a.editions.add(edition)  # the organiser reviews enterprise A, not B
    other_organiser = factories.OrganiserFactory()
    factories.EditionFactory().organisers.add(other_organiser)
    users = {
        "anonymous": None,
        "admin_a": factories.EnterpriseUserFactory(enterprise=enterprise_a, is_administrator=True, full_name="甲管"),
        "member_a": factories.EnterpriseUserFactory(enterprise=enterprise_a, full_name="甲员"),
        "admin_b": factories.EnterpriseUserFactory(enterprise=enterprise_b, is_administrator=True, full_name="乙管"),
        "member_b": factories.EnterpriseUserFactory(enterprise=enterprise_b, full_name="乙员"),
        "organiser": organiser,
        "other_organiser": other_organiser,
        "judge": factories.JudgeFactory(),
    }
    return {
        "users": users,
        "enterprise_a": enterprise_a,
        "enterprise_b": enterprise_b,
        "member_a": membership_of(users["member_a"]),
        "join_request": factories.JoinRequestFactory(enterprise=enterprise_a, email="asks@a.example"),
    }


def _cell(client, user, method, url) -> str:
    cache.clear()
    with transaction.atomic():
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(url) if method == "GET" else client.post(url, {})
        transaction.set_rollback(True)
    if response.status_code == 302 and response["Location"].startswith(reverse("portal:login")):
        return "login"
    return str(response.status_code)


# fmt: off
#                                                 anon  admA  memA  admB  memB  org   org   judge
#                                                                                       other
MATRIX = [
    ("submissions:people", None, "GET",            "login 200   200   200   200   403   403   403"),
    ("submissions:people", None, "POST",           "login 400   403   400   403   403   403   403"),
    ("submissions:people_leave", None, "GET",      "login 405   405   405   405   405   405   405"),
    ("submissions:people_leave", None, "POST",     "login 302   302   302   302   403   403   403"),
    ("submissions:member_role", "member_a", "GET", "login 405   405   405   405   405   405   405"),
    ("submissions:member_role", "member_a", "POST", "login 302   403   404   404   404   404   404"),
    ("submissions:member_remove", "member_a", "GET", "login 405   405   405   405   405   405   405"),
    ("submissions:member_remove", "member_a", "POST", "login 302   403   404   404   404   404   404"),
    ("submissions:join_request_decide", "join_request", "GET", "login 405   405   405   405   405   405   405"),
    ("submissions:join_request_decide", "join_request", "POST", "login 302   403   404   404   302   404   404"),
    ("submissions:enterprise_people", "enterprise_a", "GET", "login 403   403   403   403   200   404   403"),
]
# fmt: on


@pytest.mark.parametrize("name,argument,method,expected", MATRIX)
def test_each_role_of_two_enterprises_gets_the_expected_outcome(world, name, argument, method, expected):
    url = reverse(name, args=[world[argument].pk] if argument else [])
    client = Client()
    assert [_cell(client, world["users"][role], method, url) for role in ROLES] == expected.split()


def test_the_matrix_covers_every_people_page():
    names = {name for name, *_rest in MATRIX}
    people_urls = {
        "submissions:people",
        "submissions:people_leave",
        "submissions:member_role",
        "submissions:member_remove",
        "submissions:join_request_decide",
        "submissions:enterprise_people",
    }
    assert names == people_urls  # the invitation link is for anyone holding it: tested below


# --- the list ------------------------------------------------------------------------------------


def test_an_administrator_sees_its_users_invitations_requests_and_trail(client, world):
    admin = world["users"]["admin_a"]
    factories.InvitationFactory(enterprise=world["enterprise_a"], email="pending@a.example", invited_by=admin)
    factories.InvitationFactory(
        enterprise=world["enterprise_a"], email="expired@a.example", expires_at=timezone.now() - timedelta(days=1)
    )
    factories.PeopleEventFactory(enterprise=world["enterprise_a"], email="trail@a.example", by=admin)
    factories.PeopleEventFactory(enterprise=world["enterprise_b"], email="other-trail@b.example")
    client.force_login(admin)
    response = client.get(reverse("submissions:people"))
    body = response.content.decode()
    assert [m.user.email for m in response.context["users"]] == [admin.email, world["users"]["member_a"].email]
    assert [i.email for i in response.context["invitations"]] == ["pending@a.example"]
    assert [r.email for r in response.context["join_requests"]] == ["asks@a.example"]
    assert [e.email for e in response.context["events"]] == ["trail@a.example"]
    assert 'id="invite"' in body
    assert world["users"]["admin_b"].email not in body
    assert "other-trail@b.example" not in body


def test_a_plain_member_sees_the_users_but_no_management(client, world):
    client.force_login(world["users"]["member_a"])
    response = client.get(reverse("submissions:people"))
    body = response.content.decode()
    assert response.context["manages"] is False
    assert world["users"]["admin_a"].email in body
    assert 'id="invite"' not in body
    assert "asks@a.example" not in body
    assert reverse("submissions:member_remove", args=[world["member_a"].pk]) not in body


@pytest.mark.parametrize("extra", [1, 6])
def test_the_list_makes_a_fixed_number_of_queries(client, world, django_assert_num_queries, extra):
    for _n in range(extra):
        factories.EnterpriseUserFactory(enterprise=world["enterprise_a"])
        factories.InvitationFactory(enterprise=world["enterprise_a"], invited_by=world["users"]["admin_a"])
        factories.JoinRequestFactory(enterprise=world["enterprise_a"])
        factories.PeopleEventFactory(enterprise=world["enterprise_a"], by=world["users"]["member_a"])
    client.force_login(world["users"]["admin_a"])
    with django_assert_num_queries(7):
        assert client.get(reverse("submissions:people")).status_code == 200


# --- inviting ------------------------------------------------------------------------------------


def test_an_administrator_invites_a_colleague(client, world, django_capture_on_commit_callbacks):
    client.force_login(world["users"]["admin_a"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("submissions:people"), {"email": "New@A.example"})
    assert (response.status_code, response.url) == (302, reverse("submissions:people"))
    invitation = Invitation.objects.get()
    assert (invitation.enterprise, invitation.email, invitation.invited_by) == (
        world["enterprise_a"],
        "new@a.example",
        world["users"]["admin_a"],
    )
    assert [m.to for m in mail.outbox] == [["new@a.example"]]


def test_inviting_a_user_already_there_is_refused_on_the_form(client, world):
    client.force_login(world["users"]["admin_a"])
    response = client.post(reverse("submissions:people"), {"email": world["users"]["member_a"].email})
    assert response.status_code == 400
    assert response.context["form"].errors["email"] == [
        gettext("%(email)s is already a user of your enterprise.") % {"email": world["users"]["member_a"].email}
    ]
    assert Invitation.objects.count() == 0


def test_a_plain_member_cannot_invite(client, world):
    client.force_login(world["users"]["member_a"])
    assert client.post(reverse("submissions:people"), {"email": "new@a.example"}).status_code == 403
    assert Invitation.objects.count() == 0


# --- the invitation link -------------------------------------------------------------------------


def invitation_url(token):
    return reverse("submissions:invitation_accept", args=[token])


def test_a_new_address_sets_a_password_and_lands_on_the_entries(client, world):
    factories.InvitationFactory(enterprise=world["enterprise_a"], email="new@a.example", token="tok-new")
    page = client.get(invitation_url("tok-new"))
    assert 'id="accept-invitation"' in page.content.decode()
    assert Invitation.objects.get().accepted_at is None  # opening the link accepts nothing
    response = client.post(
        invitation_url("tok-new"),
        {"full_name": "新同事", "password1": "Colleague-2026-ok", "password2": "Colleague-2026-ok"},
    )
    assert (response.status_code, response.url) == (302, reverse("submissions:dashboard"))
    user = User.objects.get(email="new@a.example")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert membership_of(user).enterprise == world["enterprise_a"]


def test_differing_passwords_are_refused_and_nothing_is_made(client, world):
    factories.InvitationFactory(enterprise=world["enterprise_a"], email="new@a.example", token="tok-new")
    response = client.post(
        invitation_url("tok-new"),
        {"full_name": "新同事", "password1": "Colleague-2026-ok", "password2": "Colleague-2026-no"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["password2"] == [gettext("The two passwords differ.")]
    assert not User.objects.filter(email="new@a.example").exists()


def test_an_existing_account_logs_in_first_then_joins(client, world):
    member_b = world["users"]["member_b"]
    factories.InvitationFactory(enterprise=world["enterprise_a"], email=member_b.email, token="tok-old")
    page = client.get(invitation_url("tok-old"))
    assert 'id="invitation-log-in"' in page.content.decode()
    assert client.post(invitation_url("tok-old")).status_code == 400
    client.force_login(member_b)
    response = client.post(invitation_url("tok-old"))
    assert (response.status_code, response.url) == (302, reverse("submissions:dashboard"))
    assert Membership.objects.get(user=member_b).enterprise == world["enterprise_a"]


def test_another_account_cannot_accept_someone_elses_invitation(client, world):
    factories.InvitationFactory(enterprise=world["enterprise_a"], email="new@a.example", token="tok-new")
    client.force_login(world["users"]["admin_b"])
    page = client.get(invitation_url("tok-new"))
    assert 'id="invitation-wrong-account"' in page.content.decode()
    assert client.post(invitation_url("tok-new")).status_code == 400
    assert Invitation.objects.get().accepted_at is None
    assert membership_of(world["users"]["admin_b"]).enterprise == world["enterprise_b"]


@pytest.mark.parametrize(
    "fields,message",
    [
        (
            {"expires_at": timezone.now() - timedelta(minutes=1)},
            "This invitation has expired. Ask your enterprise's administrator for a new one.",
        ),
        (
            {"accepted_at": timezone.now()},
            "This invitation has already been accepted. Log in with the account that accepted it.",
        ),
    ],
)
def test_an_expired_or_used_link_is_refused(client, world, fields, message):
    factories.InvitationFactory(enterprise=world["enterprise_a"], email="new@a.example", token="tok", **fields)
    for response in (
        client.get(invitation_url("tok")),
        client.post(
            invitation_url("tok"),
            {"full_name": "x", "password1": "Colleague-2026-ok", "password2": "Colleague-2026-ok"},
        ),
    ):
        assert (response.status_code, response.context["problem"]) == (400, gettext(message))
    assert not User.objects.filter(email="new@a.example").exists()


def test_an_unknown_token_is_refused(client, world):
    response = client.get(invitation_url("no-such-token"))
    assert (response.status_code, response.context["problem"]) == (
        400,
        gettext("This invitation link is not valid. Ask your enterprise's administrator for a new one."),
    )


# --- join requests, roles, removal ---------------------------------------------------------------


def test_an_administrator_approves_a_join_request(client, world, django_capture_on_commit_callbacks):
    client.force_login(world["users"]["admin_a"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("submissions:join_request_decide", args=[world["join_request"].pk]), {"decision": "approve"}
        )
    assert response.url == reverse("submissions:people")
    assert JoinRequest.objects.get().status == JoinRequest.Status.APPROVED
    assert membership_of(User.objects.get(email="asks@a.example")).enterprise == world["enterprise_a"]


def test_an_organiser_declines_a_join_request_from_the_enterprise_page(client, world):
    client.force_login(world["users"]["organiser"])
    page = client.get(reverse("submissions:enterprise_people", args=[world["enterprise_a"].pk]))
    assert [r.email for r in page.context["join_requests"]] == ["asks@a.example"]
    response = client.post(
        reverse("submissions:join_request_decide", args=[world["join_request"].pk]), {"decision": "decline"}
    )
    assert response.url == reverse("submissions:enterprise_people", args=[world["enterprise_a"].pk])
    assert JoinRequest.objects.get().status == JoinRequest.Status.DECLINED
    assert not User.objects.filter(email="asks@a.example").exists()


def test_another_enterprises_administrator_cannot_decide_remove_or_change_roles(client, world):
    client.force_login(world["users"]["admin_b"])
    member = world["member_a"]
    assert (
        client.post(
            reverse("submissions:join_request_decide", args=[world["join_request"].pk]), {"decision": "approve"}
        ).status_code
        == 404
    )
    assert (
        client.post(reverse("submissions:member_role", args=[member.pk]), {"is_administrator": "1"}).status_code == 404
    )
    assert client.post(reverse("submissions:member_remove", args=[member.pk])).status_code == 404
    assert JoinRequest.objects.get().status == JoinRequest.Status.PENDING
    assert (Membership.objects.get(pk=member.pk).is_administrator, PeopleEvent.objects.count()) == (False, 0)


def test_an_administrator_gives_the_role_then_steps_down(client, world):
    admin = world["users"]["admin_a"]
    client.force_login(admin)
    client.post(reverse("submissions:member_role", args=[world["member_a"].pk]), {"is_administrator": "1"})
    client.post(reverse("submissions:member_role", args=[membership_of(admin).pk]), {"is_administrator": "0"})
    assert dict(
        Membership.objects.filter(enterprise=world["enterprise_a"]).values_list("user", "is_administrator")
    ) == {
        admin.pk: False,
        world["users"]["member_a"].pk: True,
    }


def test_the_last_administrator_cannot_step_down_or_leave(client, world):
    admin = world["users"]["admin_a"]
    client.force_login(admin)
    expected = gettext("%(name)s is the enterprise's last administrator: make another user an administrator first.") % {
        "name": "甲管"
    }
    response = client.post(
        reverse("submissions:member_role", args=[membership_of(admin).pk]), {"is_administrator": "0"}
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == [expected]
    client.get(reverse("submissions:people"))  # shows the message
    response = client.post(reverse("submissions:people_leave"))
    assert (response.url, [str(m) for m in get_messages(response.wsgi_request)]) == (
        reverse("submissions:people"),
        [expected],
    )
    assert Membership.objects.get(user=admin).is_administrator is True


def test_an_administrator_removes_a_user(client, world):
    client.force_login(world["users"]["admin_a"])
    response = client.post(reverse("submissions:member_remove", args=[world["member_a"].pk]))
    assert response.url == reverse("submissions:people")
    assert not Membership.objects.filter(user=world["users"]["member_a"]).exists()
    assert list(PeopleEvent.objects.values_list("action", "email")) == [
        (PeopleEvent.Action.REMOVED, world["users"]["member_a"].email)
    ]


def test_a_plain_member_leaves(client, world):
    client.force_login(world["users"]["member_a"])
    response = client.post(reverse("submissions:people_leave"))
    assert response.url == reverse("public:home")
    assert not Membership.objects.filter(user=world["users"]["member_a"]).exists()
    assert client.get(reverse("submissions:people")).status_code == 403
