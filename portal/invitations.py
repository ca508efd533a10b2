"""Invitations to an account made for someone (a judge, a recommending unit's user): the link sets the password.

The link carries Django's password-reset token, so it is valid PASSWORD_RESET_TIMEOUT seconds and spent once a
password is set; portal:accept_invitation follows it. Someone invited has accepted once the account has a password."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portal import mail


def link(user) -> str:
    """The absolute address that lets the user set the account's password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("portal:accept_invitation", kwargs={"uidb64": uid, "token": token})


def has_accepted(user) -> bool:
    """The account has a password (set through the invitation, or given another way)."""
    return user.has_usable_password()


def send(*, user, by, template: str, **context) -> bool:
    """Queue the invitation e-mail (`template`, given the user, the link, who invites and how many days the link
    lasts); False, and nothing sent, for an inactive account or one that has accepted already."""
    if not user.is_active or has_accepted(user):
        return False
    days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    mail.queue_email(
        to=[user.email],
        template=template,
        context={"user": user, "link": link(user), "by": by, "days": days, **context},
    )
    return True
