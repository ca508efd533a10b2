"""{% announcements %}: the newest announcements sent to the user, on the pages of enterprises, judges and
recommending units (whose views live in higher apps)."""

from django import template

from events.announcements import announcements_for

register = template.Library()


@register.inclusion_tag("events/_announcements.html", takes_context=True)
def announcements(context):
    request = context.get("request")
    return {"announcements": list(announcements_for(getattr(request, "user", None)))}
