"""Who may do what with venues, entries and score sheets. Role predicates come from portal.rules."""

import rules

from events.models import PanelMember
from portal.rules import is_judge, is_organiser


def _edition_id(obj):
    """The edition an object belongs to: an edition, a venue, a category, an entry, a sheet or a recusal."""
    if obj is None:
        return None
    for attr in ("edition_id",):
        if hasattr(obj, attr):
            return getattr(obj, attr)
    entry = getattr(obj, "entry", None)
    if entry is not None:
        return entry.edition_id
    return getattr(obj, "pk", None)


def _venue_of(obj):
    if obj is None:
        return None
    if hasattr(obj, "signed_off_at"):  # a Venue
        return obj
    entry = getattr(obj, "entry", obj)
    return getattr(entry, "venue", None)


@rules.predicate
def organises(user, obj):
    """An organiser of the object's edition (a superuser organises every edition)."""
    if not is_organiser(user) or obj is None:
        return False
    if user.is_superuser:
        return True
    edition_id = _edition_id(obj)
    return edition_id is not None and user.organised_editions.filter(pk=edition_id).exists()


@rules.predicate
def sits_on_panel(user, obj):
    venue = _venue_of(obj)
    if venue is None or not is_judge(user):
        return False
    return PanelMember.objects.filter(venue=venue, judge=user).exists()


@rules.predicate
def leads_panel(user, obj):
    venue = _venue_of(obj)
    if venue is None or not is_judge(user):
        return False
    return PanelMember.objects.filter(venue=venue, judge=user, is_leader=True).exists()


@rules.predicate
def owns_sheet(user, sheet):
    return sheet is not None and sheet.judge_id == user.pk


@rules.predicate
def venue_signed_off(user, obj):
    venue = _venue_of(obj)
    return venue is not None and venue.signed_off_at is not None


# Organisers of the edition manage venues: assignment, draw, recusals, paper sheets, audit.
rules.add_perm("scoring.manage_venue", organises)
# Panel members score the entries of their venue; organisers may look at every workspace.
rules.add_perm("scoring.judge_venue", sits_on_panel)
rules.add_perm("scoring.view_schedule", organises | sits_on_panel)
# The panel page (missing sheets, flags, every sheet's total): the leader and organisers, and every panel
# member once the venue is signed off (a judge sees only its own sheets until then).
rules.add_perm("scoring.view_panel", organises | leads_panel | (sits_on_panel & venue_signed_off))
rules.add_perm("scoring.sign_off_venue", organises | leads_panel)
rules.add_perm("scoring.reopen_sheet", organises | leads_panel)
rules.add_perm("scoring.view_sheet", owns_sheet | organises | leads_panel | (sits_on_panel & venue_signed_off))
rules.add_perm("scoring.view_board", is_organiser)
