from django import template

from public.links import public_url as url_in_scope

register = template.Library()


@register.simple_tag(takes_context=True)
def public_url(context, name, *args):
    """{% public_url "entry" row.entry_id %}: the page among the pages of the page's scope (context["scope"], an
    association, or None for the portal-wide pages)."""
    return url_in_scope(name, context.get("scope"), *args)
