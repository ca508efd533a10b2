"""Every page's footer: the help of the reader's role and whom to contact.

The contact is the association's whose page this is: the page's `association` (or `scope`, under /a/<slug>/),
else the association of the edition the page belongs to (its `edition`, or the edition of its venue, category,
entry, sheet or result row); a page of no association shows the platform's own contact from settings
(PORTAL_CONTACT_*). Nothing is shown where nothing is set. An association already loaded with the page costs
nothing; otherwise one query (public.help.contact_for).
"""

from django import template
from django.urls import reverse

from public.help import CONTACT_FIELDS, contact_for, guide_for

register = template.Library()


@register.inclusion_tag("public/help/_footer.html", takes_context=True)
def page_footer(context):
    request = context.get("request")
    role_guide = guide_for(getattr(request, "user", None))
    contact = contact_for(context)
    return {
        "help_url": reverse("public:help_guide", args=[role_guide]) if role_guide else reverse("public:help"),
        "contact": contact if any(contact[field] for field in CONTACT_FIELDS) else None,
    }
