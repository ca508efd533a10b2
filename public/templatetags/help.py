"""Every page's footer: the help of the reader's role and whom to contact.

The contact is the association's whose page this is (the `association` of the page, or the association of its
edition), else the platform's own from settings (PORTAL_CONTACT_*); nothing is shown where nothing is set.
"""

from django import template
from django.conf import settings
from django.urls import reverse

from public.help import guide_for

register = template.Library()

CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_email", "address")
# Objects of a page that belong to an edition, in the order they are looked for.
EDITION_HOLDERS = ("edition", "venue", "category", "entry", "sheet", "row")


def _association(context):
    association = context.get("association")
    if association is not None:
        return association
    for name in EDITION_HOLDERS:
        found = context.get(name)
        edition = found if name == "edition" else getattr(found, "edition", None)
        association = getattr(edition, "association", None)
        if association is not None:
            return association
    return None


def contact_for(context) -> dict:
    """The contact details shown at the foot of a page: name, phone, e-mail, address (each possibly empty)."""
    association = _association(context)
    if association is not None:
        details = {field: getattr(association, field, "") or "" for field in CONTACT_FIELDS}
        details["organisation"] = getattr(association, "name", "")
        return details
    return {
        "organisation": settings.PORTAL_CONTACT_ORGANISATION,
        "contact_name": settings.PORTAL_CONTACT_NAME,
        "contact_phone": settings.PORTAL_CONTACT_PHONE,
        "contact_email": settings.PORTAL_CONTACT_EMAIL,
        "address": settings.PORTAL_CONTACT_ADDRESS,
    }


@register.inclusion_tag("public/help/_footer.html", takes_context=True)
def page_footer(context):
    request = context.get("request")
    role_guide = guide_for(getattr(request, "user", None))
    contact = contact_for(context)
    return {
        "help_url": reverse("public:help_guide", args=[role_guide]) if role_guide else reverse("public:help"),
        "contact": contact if any(contact[field] for field in CONTACT_FIELDS) else None,
    }
