"""Announcements: an organiser's notice to an edition's enterprises, judges or recommending units, e-mailed to
each recipient through the outbox and shown on their own pages (events.templatetags.announcements)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from events import hooks
from events.models import Announcement, PanelMember
from portal.mail import queue_email

User = get_user_model()

Audience = Announcement.Audience


def recipients(*, edition, audience: str):
    """The active users of `audience` who take part in the edition: the judges on its panels (known here), the
    users of its enterprises and recommending units (known to submissions, asked through events.hooks)."""
    if audience == Audience.JUDGES:
        ids = set(PanelMember.objects.filter(venue__edition=edition).values_list("judge_id", flat=True))
    else:
        ids = hooks.union(hooks.ANNOUNCEMENT_RECIPIENTS, edition=edition, audience=audience)
    return User.objects.filter(pk__in=ids, is_active=True).order_by("pk")


@transaction.atomic
def send_announcement(*, edition, audience: str, subject: str, body: str, by) -> Announcement:
    """Save the announcement with its recipients and queue one e-mail per recipient (sent after the commit)."""
    if audience not in Audience.values:
        raise ValidationError(_("Choose who the announcement is for."))
    people = list(recipients(edition=edition, audience=audience))
    if not people:
        raise ValidationError(
            _("Nobody in “%(audience)s” takes part in this edition yet: the announcement is not sent.")
            % {"audience": Audience(audience).label}
        )
    announcement = Announcement.objects.create(
        edition=edition, audience=audience, subject=subject.strip(), body=body.strip(), sent_by=by
    )
    announcement.recipients.set(people)
    for person in people:
        queue_email(
            to=[person.email],
            template="events/email/announcement",
            context={"announcement": announcement, "edition": edition, "recipient": person},
            signed_by=edition.association.name,
        )
    return announcement


def announcements_for(user, *, limit: int = 5):
    """The newest announcements sent to `user`, for their own pages."""
    if not getattr(user, "is_authenticated", False):
        return Announcement.objects.none()
    return user.announcements.select_related("edition").order_by("-sent_at", "-id")[:limit]
