"""Every page's footer: the help of the reader's role and whom to contact.

The contact is the association's whose page this is: the page's `association`, else the association of the
edition the page belongs to (its `edition`, or the edition of its venue, category, entry, sheet or result row);
a page of no association shows the platform's own contact from settings (PORTAL_CONTACT_*). Nothing is shown
where nothing is set. An association already loaded with the page costs nothing; otherwise one query.
"""

from django import template
from django.conf import settings
from django.urls import reverse

from events.models import Association
from public.help import guide_for

register = template.Library()

CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_email", "address")
# Objects of a page that belong to an edition, in the order they are looked for.
EDITION_HOLDERS = ("edition", "venue", "category", "entry", "sheet", "row")


def _loaded(obj, field: str):
    """The related object `field` of `obj` when it is loaded already, else None (never a query)."""
    state = getattr(obj, "_state", None)
    return state.fields_cache.get(field) if state is not None else None


def _association(context) -> Association | None:
    found = context.get("association")
    if isinstance(found, Association):
        return found
    for name in EDITION_HOLDERS:
        holder = context.get(name)
        if holder is None:
            continue
        edition = holder if name == "edition" else _loaded(holder, "edition")
        if edition is not None and getattr(edition, "association_id", None):
            return _loaded(edition, "association") or Association.objects.filter(pk=edition.association_id).first()
        edition_id = getattr(holder, "edition_id", None)
        if edition_id:
            return Association.objects.filter(editions=edition_id).first()
    return None


def contact_for(context) -> dict:
    """The contact details shown at the foot of a page: organisation, name, phone, e-mail, address."""
    association = _association(context)
    if association is not None:
        return {"organisation": association.name, **{field: getattr(association, field) for field in CONTACT_FIELDS}}
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
