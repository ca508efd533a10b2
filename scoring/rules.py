"""Who may do what with venues, entries and score sheets. Role predicates come from portal.rules, the organiser
rule (``organises``) from events.rules."""

import rules

from events.models import PanelMember
from events.rules import organises, works_for_an_association
from portal.rules import is_judge, is_organiser


def _venue_of(obj):
    if obj is None:
        return None
    if hasattr(obj, "signed_off_at"):  # a Venue
        return obj
    entry = getattr(obj, "entry", obj)
    return getattr(entry, "venue", None)


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
# The printable score sheets of a venue, the paper fallback when a device fails.
rules.add_perm("scoring.print_sheets", organises | leads_panel)
rules.add_perm("scoring.view_sheet", owns_sheet | organises | leads_panel | (sits_on_panel & venue_signed_off))
rules.add_perm("scoring.view_board", is_organiser)
# Judges are the association's, not one edition's: every organiser manages the list and the invitations.
rules.add_perm("scoring.manage_judges", works_for_an_association)
