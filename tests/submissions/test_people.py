"""An enterprise's users (submissions/people.py): invitations, join requests, the administrator role, removal and
the last administrator."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from portal.models import User
from submissions import people
from submissions.memberships import enterprise_of, membership_of
from submissions.models import Invitation, JoinRequest, Membership, PeopleEvent
from tests import factories
from tests.conftest import need, postgres_available

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_a(enterprise_a):
    return factories.EnterpriseUserFactory(enterprise=enterprise_a, is_administrator=True, full_name="甲管理员")


def trail(enterprise):
    return list(PeopleEvent.objects.filter(enterprise=enterprise).order_by("id").values_list("action", "email", "by"))


def link_token(message) -> str:
    line = next(line for line in message.body.splitlines() if "/invitations/" in line)
    return line.rstrip("/").rsplit("/", 1)[-1]


def test_invite_stores_only_the_hash_and_mails_the_link(
    admin_a, enterprise_a, settings, django_capture_on_commit_callbacks
):
    settings.INVITATION_VALID_DAYS = 3
    with django_capture_on_commit_callbacks(execute=True):
        invitation = people.invite(enterprise=enterprise_a, email=" New@Colleague.example ", by=admin_a)
    assert (invitation.email, invitation.invited_by, invitation.accepted_at) == ("New@colleague.example", admin_a, None)
    assert abs(invitation.expires_at - (timezone.now() + timedelta(days=3))) < timedelta(minutes=1)
    [message] = mail.outbox
    token = link_token(message)
    assert message.to == ["New@colleague.example"]
    assert enterprise_a.name in message.subject
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64
    assert people.invitation_of(token) == invitation
    assert trail(enterprise_a) == [(PeopleEvent.Action.INVITED, "New@colleague.example", admin_a.pk)]


def test_invite_refuses_someone_already_a_user(admin_a, user_a, enterprise_a):
    with pytest.raises(ValidationError) as error:
        people.invite(enterprise=enterprise_a, email=user_a.email.upper(), by=admin_a)
    assert error.value.messages == [
        gettext("%(email)s is already a user of your enterprise.")
        % {"email": User.objects.normalize_email(user_a.email.upper())}
    ]
    assert Invitation.objects.count() == 0


def test_accepting_with_a_new_account_makes_an_active_plain_member(enterprise_a):
    invitation = factories.InvitationFactory(enterprise=enterprise_a, email="new@colleague.example")
    user = people.accept_invitation(invitation=invitation, full_name="新同事", password="Colleague-2026-ok")
    assert (user.email, user.full_name, user.role, user.is_active) == (
        "new@colleague.example",
        "新同事",
        User.Role.ENTERPRISE,
        True,
    )
    assert user.check_password("Colleague-2026-ok")
    assert (enterprise_of(user), membership_of(user).is_administrator) == (enterprise_a, False)
    invitation.refresh_from_db()
    assert (invitation.accepted_by, invitation.accepted_at is not None) == (user, True)
    assert trail(enterprise_a) == [(PeopleEvent.Action.INVITATION_ACCEPTED, user.email, user.pk)]


def test_accepting_with_an_existing_account_moves_it_to_the_enterprise(enterprise_a, enterprise_b, user_b):
    factories.EnterpriseUserFactory(enterprise=enterprise_b, is_administrator=True)
    invitation = factories.InvitationFactory(enterprise=enterprise_a, email=user_b.email)
    assert people.accept_invitation(invitation=invitation, user=user_b) == user_b
    user_b.refresh_from_db()
    assert Membership.objects.get(user=user_b).enterprise == enterprise_a


def test_accepting_without_the_account_is_refused_when_the_address_has_one(enterprise_a, user_b):
    invitation = factories.InvitationFactory(enterprise=enterprise_a, email=user_b.email)
    with pytest.raises(ValidationError) as error:
        people.accept_invitation(invitation=invitation, full_name="冒名", password="Colleague-2026-ok")
    assert error.value.messages == [
        gettext("An account already uses %(email)s: log in with it to accept the invitation.") % {"email": user_b.email}
    ]
    assert Membership.objects.get(user=user_b).enterprise != enterprise_a


def test_accepting_as_another_account_is_refused(enterprise_a, user_b):
    invitation = factories.InvitationFactory(enterprise=enterprise_a, email="someone@else.example")
    with pytest.raises(ValidationError):
        people.accept_invitation(invitation=invitation, user=user_b)
    assert Invitation.objects.get().accepted_at is None


def test_an_expired_invitation_is_refused(enterprise_a):
    invitation = factories.InvitationFactory(enterprise=enterprise_a, expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationError) as error:
        people.accept_invitation(invitation=invitation, full_name="迟到", password="Colleague-2026-ok")
    assert error.value.messages == [
        gettext("This invitation has expired. Ask your enterprise's administrator for a new one.")
    ]
    assert not User.objects.filter(email=invitation.email).exists()


def test_a_used_invitation_is_refused(enterprise_a):
    invitation = factories.InvitationFactory(enterprise=enterprise_a)
    people.accept_invitation(invitation=invitation, full_name="第一次", password="Colleague-2026-ok")
    with pytest.raises(ValidationError) as error:
        people.accept_invitation(invitation=invitation, full_name="第二次", password="Colleague-2026-ok")
    assert error.value.messages == [
        gettext("This invitation has already been accepted. Log in with the account that accepted it.")
    ]
    assert User.objects.get(email=invitation.email).full_name == "第一次"


def test_the_last_administrator_of_another_enterprise_cannot_be_moved_away(enterprise_a, enterprise_b):
    only_admin = factories.EnterpriseUserFactory(enterprise=enterprise_b, is_administrator=True)
    invitation = factories.InvitationFactory(enterprise=enterprise_a, email=only_admin.email)
    with pytest.raises(ValidationError):
        people.accept_invitation(invitation=invitation, user=only_admin)
    assert Membership.objects.get(user=only_admin).enterprise == enterprise_b


def test_a_judge_account_cannot_join_an_enterprise(enterprise_a, judge):
    invitation = factories.InvitationFactory(enterprise=enterprise_a, email=judge.email)
    with pytest.raises(ValidationError):
        people.accept_invitation(invitation=invitation, user=judge)
    assert not Membership.objects.filter(user=judge).exists()


def test_approving_a_join_request_makes_an_inactive_account_with_the_signup_password(
    admin_a, enterprise_a, django_capture_on_commit_callbacks
):
    request = factories.JoinRequestFactory(enterprise=enterprise_a, email="asks@colleague.example", full_name="申请人")
    with django_capture_on_commit_callbacks(execute=True):
        people.decide_join_request(request=request, by=admin_a, approve=True)
    user = User.objects.get(email="asks@colleague.example")
    assert (user.full_name, user.is_active, enterprise_of(user), membership_of(user).is_administrator) == (
        "申请人",
        False,
        enterprise_a,
        False,
    )
    assert user.check_password("correct-horse-battery")
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (JoinRequest.Status.APPROVED, admin_a)
    [message] = mail.outbox
    assert message.to == ["asks@colleague.example"]
    assert "/signup/confirm/" in message.body
    assert trail(enterprise_a) == [(PeopleEvent.Action.JOIN_APPROVED, "asks@colleague.example", admin_a.pk)]


def test_declining_a_join_request_creates_no_account_and_forgets_the_password(
    organiser, enterprise_a, django_capture_on_commit_callbacks
):
    request = factories.JoinRequestFactory(enterprise=enterprise_a, email="asks@colleague.example")
    with django_capture_on_commit_callbacks(execute=True):
        people.decide_join_request(request=request, by=organiser, approve=False)
    assert not User.objects.filter(email="asks@colleague.example").exists()
    request.refresh_from_db()
    assert (request.status, request.decided_by, request.password) == (JoinRequest.Status.DECLINED, organiser, "")
    assert [m.to for m in mail.outbox] == [["asks@colleague.example"]]
    with translation.override("zh-hans"):
        assert mail.outbox[0].subject == gettext("Your request to join an enterprise is declined")
    assert trail(enterprise_a) == [(PeopleEvent.Action.JOIN_DECLINED, "asks@colleague.example", organiser.pk)]


def test_a_decided_join_request_cannot_be_decided_again(admin_a, enterprise_a):
    request = factories.JoinRequestFactory(enterprise=enterprise_a, status=JoinRequest.Status.DECLINED)
    with pytest.raises(ValidationError):
        people.decide_join_request(request=request, by=admin_a, approve=True)
    assert not User.objects.filter(email=request.email).exists()


def test_approving_is_refused_when_the_address_got_an_account_meanwhile(admin_a, enterprise_a, user_b):
    request = factories.JoinRequestFactory(enterprise=enterprise_a, email=user_b.email)
    with pytest.raises(ValidationError):
        people.decide_join_request(request=request, by=admin_a, approve=True)
    assert JoinRequest.objects.get().status == JoinRequest.Status.PENDING


def test_the_administrator_role_is_given_and_removed(admin_a, user_a, enterprise_a):
    membership = membership_of(user_a)
    people.set_administrator(membership=membership, by=admin_a, is_administrator=True)
    assert Membership.objects.get(user=user_a).is_administrator is True
    people.set_administrator(membership=membership, by=admin_a, is_administrator=False)
    assert Membership.objects.get(user=user_a).is_administrator is False
    assert trail(enterprise_a) == [
        (PeopleEvent.Action.MADE_ADMINISTRATOR, user_a.email, admin_a.pk),
        (PeopleEvent.Action.ADMINISTRATOR_REMOVED, user_a.email, admin_a.pk),
    ]


def test_the_last_administrator_cannot_lose_the_role(admin_a, enterprise_a):
    with pytest.raises(ValidationError) as error:
        people.set_administrator(membership=membership_of(admin_a), by=admin_a, is_administrator=False)
    assert error.value.messages == [
        gettext("%(name)s is the enterprise's last administrator: make another user an administrator first.")
        % {"name": "甲管理员"}
    ]
    assert Membership.objects.get(user=admin_a).is_administrator is True
    assert trail(enterprise_a) == []


def test_an_inactive_administrator_does_not_count_as_another_one(admin_a, enterprise_a):
    factories.EnterpriseUserFactory(enterprise=enterprise_a, is_administrator=True, is_active=False)
    with pytest.raises(ValidationError):
        people.remove_user(membership=membership_of(admin_a), by=admin_a)


def test_removing_a_user_keeps_the_account_belonging_to_nothing(admin_a, user_a, enterprise_a):
    people.remove_user(membership=membership_of(user_a), by=admin_a)
    assert not Membership.objects.filter(user=user_a).exists()
    assert User.objects.get(pk=user_a.pk).is_active is True
    assert trail(enterprise_a) == [(PeopleEvent.Action.REMOVED, user_a.email, admin_a.pk)]


def test_the_last_administrator_cannot_leave(admin_a, enterprise_a):
    with pytest.raises(ValidationError):
        people.remove_user(membership=membership_of(admin_a), by=admin_a)
    assert Membership.objects.get(user=admin_a).enterprise == enterprise_a


def test_an_administrator_leaves_when_another_remains(admin_a, enterprise_a):
    factories.EnterpriseUserFactory(enterprise=enterprise_a, is_administrator=True)
    people.remove_user(membership=membership_of(admin_a), by=admin_a)
    assert not Membership.objects.filter(user=admin_a).exists()
    assert trail(enterprise_a) == [(PeopleEvent.Action.LEFT, admin_a.email, admin_a.pk)]


@pytest.mark.django_db(transaction=True)
def test_two_administrators_stepping_down_at_once_leave_one(enterprise_a):
    need("PostgreSQL", postgres_available(), "the enterprise's row lock is what this test is about")
    admins = [factories.EnterpriseUserFactory(enterprise=enterprise_a, is_administrator=True) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def step_down(admin):
        try:
            barrier.wait(timeout=10)
            people.set_administrator(membership=membership_of(admin), by=admin, is_administrator=False)
            outcomes.append("done")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=step_down, args=(admin,)) for admin in admins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["done", "refused"]
    assert Membership.objects.filter(enterprise=enterprise_a, is_administrator=True).count() == 1


def test_removing_someone_who_left_meanwhile_is_refused(admin_a, user_a):
    membership = membership_of(user_a)
    people.remove_user(membership=membership, by=user_a)
    with pytest.raises(ValidationError) as error:
        people.remove_user(membership=membership, by=admin_a)
    assert error.value.messages == [gettext("This user no longer belongs to the enterprise.")]
