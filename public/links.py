"""The public pages' addresses in a scope: the portal-wide page (`public:<name>`), or the same page among one
association's pages (`public:association_<name>`, under /a/<slug>/). Views, the API and templates ({% public_url %})
reverse them here, so a page reached under an association links to that association's pages."""

from django.urls import reverse


def public_url(name: str, association=None, *args) -> str:
    if association is None:
        return reverse(f"public:{name}", args=args)
    return reverse(f"public:association_{name}", args=[association.slug, *args])
