"""Who may configure an edition: its own organisers, and superusers for every edition."""

import rules

from portal.rules import is_organiser


@rules.predicate
def is_edition_organiser(user, edition):
    if edition is None or not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return user.is_organiser and edition.organisers.filter(pk=user.pk).exists()


rules.add_perm("events.add_edition", is_organiser)
rules.add_perm("events.view_edition_list", is_organiser)
rules.add_perm("events.change_edition", is_edition_organiser)
