"""An enterprise's users: its administrators invite colleagues, decide join requests, give or take the administrator
role and remove users; every change is written to the enterprise's trail (PeopleEvent).

The rule that holds through all of it: an enterprise that has an active administrator keeps one (the last one
cannot leave, be removed or lose the role)."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from portal.mail import queue_email
from submissions import memberships, services
from submissions.models import Enterprise, Invitation, JoinRequest, Membership, PeopleEvent

User = get_user_model()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _event(*, enterprise, by, action: str, email: str) -> None:
    PeopleEvent.objects.create(
        enterprise=enterprise, by=by if getattr(by, "is_authenticated", False) else None, action=action, email=email
    )


def users_of(enterprise):
    """The enterprise's memberships with their users, administrators first."""
    return (
        Membership.objects.filter(enterprise=enterprise)
        .select_related("user")
        .order_by("-is_administrator", "user__full_name", "user__email")
    )


# --- invitations ---------------------------------------------------------------------------------


def invite(*, enterprise, email: str, by) -> Invitation:
    """Invite the e-mail address to join the enterprise: the link (valid INVITATION_VALID_DAYS days, once) is
    e-mailed; only the token's hash is kept."""
    email = User.objects.normalize_email(email.strip())
    if Membership.objects.filter(enterprise=enterprise, user__email__iexact=email).exists():
        raise ValidationError(_("%(email)s is already a user of your enterprise.") % {"email": email})
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            enterprise=enterprise,
            email=email,
            token_hash=_hash(token),
            invited_by=by,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        _event(enterprise=enterprise, by=by, action=PeopleEvent.Action.INVITED, email=email)
        queue_email(
            to=[email],
            template="submissions/email/invitation",
            context={
                "enterprise": enterprise,
                "invited_by": by.full_name or by.email,
                "token": token,
                "expires_at": timezone.localtime(invitation.expires_at),
                "site_url": settings.SITE_URL,
            },
        )
    return invitation


def invitation_of(token: str) -> Invitation | None:
    """The invitation the link's token names, used or not; None for an unknown token."""
    return Invitation.objects.select_related("enterprise").filter(token_hash=_hash(token or "")).first()


def invitation_problem(invitation: Invitation | None) -> str:
    """Why the invitation's link no longer works, or "" when it does."""
    if invitation is None:
        return _("This invitation link is not valid. Ask your enterprise's administrator for a new one.")
    if invitation.accepted_at is not None:
        return _("This invitation has already been accepted. Log in with the account that accepted it.")
    if invitation.expires_at <= timezone.now():
        return _("This invitation has expired. Ask your enterprise's administrator for a new one.")
    return ""


def account_of(invitation: Invitation):
    """The account that already uses the invitation's e-mail address, if any."""
    return User.objects.filter(email__iexact=invitation.email).first()


def _lock(enterprise_id) -> None:
    """Take the enterprise's row lock: every change of its users takes it first, so two administrators stepping down
    at once cannot both see the other still there."""
    if enterprise_id is not None:
        list(Enterprise.objects.select_for_update().filter(pk=enterprise_id).values_list("pk"))


def _ensure_can_leave(membership: Membership) -> None:
    """Refuse to take away the enterprise's last active administrator (the caller holds the enterprise's lock)."""
    if membership.enterprise_id is None or not membership.is_administrator:
        return
    others = Membership.objects.filter(
        enterprise_id=membership.enterprise_id, is_administrator=True, user__is_active=True
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise ValidationError(
            _("%(name)s is the enterprise's last administrator: make another user an administrator first.")
            % {"name": membership.user.full_name or membership.user.email}
        )


@transaction.atomic
def accept_invitation(*, invitation: Invitation, user=None, full_name: str = "", password: str = ""):
    """Accept the invitation: with `user`, the logged-in account the invitation was sent to joins the enterprise
    (leaving the one it belonged to); without, a new account with the name and password is made, active (the link
    proves the e-mail address). Returns the user."""
    invitation = Invitation.objects.select_for_update().select_related("enterprise").get(pk=invitation.pk)
    problem = invitation_problem(invitation)
    if problem:
        raise ValidationError(problem)
    existing = account_of(invitation)
    if user is None:
        if existing is not None:
            raise ValidationError(
                _("An account already uses %(email)s: log in with it to accept the invitation.")
                % {"email": invitation.email}
            )
        try:
            with transaction.atomic():
                user = memberships.create_user(
                    email=invitation.email,
                    password=password,
                    full_name=full_name,
                    role=User.Role.ENTERPRISE,
                    enterprise=invitation.enterprise,
                )
        except IntegrityError:  # the same address signed up at the same moment
            raise ValidationError(
                _("An account already uses %(email)s: log in with it to accept the invitation.")
                % {"email": invitation.email}
            )
    else:
        if existing is None or existing.pk != user.pk:
            raise ValidationError(
                _("This invitation is for %(email)s: log out and log in with that account to accept it.")
                % {"email": invitation.email}
            )
        if not user.is_enterprise_user:
            raise ValidationError(_("This account is not an enterprise user's account and cannot join an enterprise."))
        current = Membership.objects.select_related("user").filter(user=user).first()
        if current is not None and current.enterprise_id != invitation.enterprise_id:
            _lock(current.enterprise_id)
            _ensure_can_leave(current)
        if current is None or current.enterprise_id != invitation.enterprise_id:
            memberships.set_membership(user, enterprise=invitation.enterprise)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    _event(enterprise=invitation.enterprise, by=user, action=PeopleEvent.Action.INVITATION_ACCEPTED, email=user.email)
    return user


# --- join requests -------------------------------------------------------------------------------


@transaction.atomic
def decide_join_request(*, request: JoinRequest, by, approve: bool) -> JoinRequest:
    """Approve (an inactive account with the password given at sign-up, and the link confirming the e-mail
    address) or decline a pending join request; the person is told either way."""
    request = JoinRequest.objects.select_for_update().select_related("enterprise").get(pk=request.pk)
    if request.status != JoinRequest.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    context = {"enterprise": request.enterprise, "approved": approve, "site_url": settings.SITE_URL}
    if approve:
        if User.objects.filter(email__iexact=request.email).exists():
            raise ValidationError(
                _("An account already uses %(email)s: invite it instead (the invitation lets it join).")
                % {"email": request.email}
            )
        user = memberships.create_user(
            email=request.email,
            full_name=request.full_name,
            phone=request.phone,
            role=User.Role.ENTERPRISE,
            enterprise=request.enterprise,
            is_active=False,
        )
        user.password = request.password  # already hashed at sign-up
        user.save(update_fields=["password"])
        context.update(uid=urlsafe_base64_encode(force_bytes(user.pk)), token=services.signup_tokens.make_token(user))
    request.status = JoinRequest.Status.APPROVED if approve else JoinRequest.Status.DECLINED
    request.decided_by = by
    request.decided_at = timezone.now()
    request.password = "" if not approve else request.password
    request.save(update_fields=["status", "decided_by", "decided_at", "password"])
    _event(
        enterprise=request.enterprise,
        by=by,
        action=PeopleEvent.Action.JOIN_APPROVED if approve else PeopleEvent.Action.JOIN_DECLINED,
        email=request.email,
    )
    queue_email(to=[request.email], template="submissions/email/join_decided", context=context)
    return request


# --- roles and removal ---------------------------------------------------------------------------


def _still_there(membership: Membership) -> Membership:
    """The membership as it is now (under the enterprise's lock); refused if the user left meanwhile."""
    current = (
        Membership.objects.select_related("user", "enterprise")
        .filter(pk=membership.pk, enterprise_id=membership.enterprise_id)
        .first()
    )
    if current is None:
        raise ValidationError(_("This user no longer belongs to the enterprise."))
    return current


@transaction.atomic
def set_administrator(*, membership: Membership, by, is_administrator: bool) -> Membership:
    _lock(membership.enterprise_id)
    membership = _still_there(membership)
    if membership.is_administrator == is_administrator:
        return membership
    if not is_administrator:
        _ensure_can_leave(membership)
    membership.is_administrator = is_administrator
    membership.save(update_fields=["is_administrator"])
    memberships.forget(membership.user)
    _event(
        enterprise=membership.enterprise,
        by=by,
        action=PeopleEvent.Action.MADE_ADMINISTRATOR if is_administrator else PeopleEvent.Action.ADMINISTRATOR_REMOVED,
        email=membership.user.email,
    )
    return membership


@transaction.atomic
def remove_user(*, membership: Membership, by) -> None:
    """The user no longer belongs to the enterprise (its account stays, belonging to nothing, so another
    enterprise can invite it); by the user itself, it left."""
    _lock(membership.enterprise_id)
    membership = _still_there(membership)
    _ensure_can_leave(membership)
    enterprise, user = membership.enterprise, membership.user
    memberships.set_membership(user)
    _event(
        enterprise=enterprise,
        by=by,
        action=PeopleEvent.Action.LEFT if by.pk == user.pk else PeopleEvent.Action.REMOVED,
        email=user.email,
    )
