"""Who may see, change and review entries and download their files. Role-only predicates come from portal.rules;
the ones that need the user's enterprise or recommending unit (its membership) are here."""

import rules

from events import hooks
from events.models import PanelMember
from events.rules import organises, works_for_an_association
from portal.rules import is_judge, is_organiser
from submissions.memberships import enterprise_id_of, enterprise_of, membership_of, recommending_unit_id_of
from submissions.models import Enterprise


@rules.predicate
def is_enterprise_user(user):
    """An enterprise user who belongs to an enterprise."""
    return bool(user and user.is_authenticated and user.is_enterprise_user and enterprise_id_of(user))


@rules.predicate
def is_approved_enterprise_user(user):
    return bool(is_enterprise_user(user) and enterprise_of(user).is_approved)


@rules.predicate
def is_recommender(user):
    """A recommending unit's user who belongs to a unit."""
    return bool(user and user.is_authenticated and user.is_recommender and recommending_unit_id_of(user))


def _entry(obj):
    """The entry of an entry or of one of its files."""
    return getattr(obj, "entry", obj)


@rules.predicate
def owns_entry(user, obj):
    entry = _entry(obj)
    return entry is not None and is_enterprise_user(user) and entry.enterprise_id == enterprise_id_of(user)


# An organiser of the edition of the entry or of the entry's file: the one organiser rule, events.rules.organises.
organises_entry = organises


@rules.predicate
def judges_entry(user, obj):
    """A judge on the panel of the entry's venue who is not recused from it."""
    entry = _entry(obj)
    if entry is None or not entry.venue_id or not is_judge(user):
        return False
    if not PanelMember.objects.filter(venue_id=entry.venue_id, judge=user).exists():
        return False
    return not hooks.any_true(hooks.JUDGE_RECUSED, entry=entry, judge=user)


@rules.predicate
def is_party_to_recommendation(user, recommendation):
    """The enterprise or the unit of a recommendation link, or an organiser of its edition."""
    if recommendation is None:
        return False
    if is_enterprise_user(user) and enterprise_id_of(user) == recommendation.enterprise_id:
        return True
    if is_recommender(user) and recommending_unit_id_of(user) == recommendation.unit_id:
        return True
    return organises(user, recommendation)


@rules.predicate
def decides_recommendation(user, recommendation):
    """The side that did not propose the link, or an organiser of its edition (who confirms either side's word)."""
    if recommendation is None:
        return False
    if organises(user, recommendation):
        return True
    if recommendation.proposed_by_side == recommendation.Side.ENTERPRISE:
        return is_recommender(user) and recommending_unit_id_of(user) == recommendation.unit_id
    if recommendation.proposed_by_side == recommendation.Side.UNIT:
        return is_enterprise_user(user) and enterprise_id_of(user) == recommendation.enterprise_id
    return False


@rules.predicate
def is_enterprise_administrator(user):
    """An enterprise user who is an administrator of its enterprise."""
    return bool(is_enterprise_user(user) and membership_of(user).is_administrator)


def _enterprise_id(obj) -> int | None:
    """The enterprise of an enterprise, or of a membership, an invitation or a join request."""
    return obj.pk if isinstance(obj, Enterprise) else getattr(obj, "enterprise_id", None)


@rules.predicate
def administers_enterprise(user, obj):
    """An administrator of the enterprise (of the membership, invitation or join request)."""
    return obj is not None and is_enterprise_administrator(user) and _enterprise_id(obj) == enterprise_id_of(user)


@rules.predicate
def reviews_enterprise(user, obj):
    """An organiser who may review the enterprise (of the join request): Enterprise.objects.reviewable_by."""
    enterprise_id = None if obj is None else _enterprise_id(obj)
    return bool(
        enterprise_id
        and is_organiser(user)
        and Enterprise.objects.reviewable_by(user).filter(pk=enterprise_id).exists()
    )


@rules.predicate
def organises_some_edition(user):
    return is_organiser(user) and (user.is_superuser or user.organised_editions.exists())


rules.add_perm("submissions.review_enterprise", is_organiser)
rules.add_perm("submissions.manage_units", works_for_an_association)
rules.add_perm("submissions.view_dashboard", is_enterprise_user)
rules.add_perm("submissions.create_entry", is_approved_enterprise_user)
rules.add_perm("submissions.view_entry", owns_entry | organises_entry)
rules.add_perm("submissions.change_entry", owns_entry & is_approved_enterprise_user)
rules.add_perm("submissions.download_file", owns_entry | organises_entry | judges_entry)
# A PDF opens in the browser (inline) for its judges and organisers; other types, and for others, it is saved.
rules.add_perm("submissions.read_file_in_browser", organises_entry | judges_entry)
rules.add_perm("submissions.review_list", organises_some_edition)
rules.add_perm("submissions.review_entry", organises_entry)
rules.add_perm("submissions.upload_recommendations", is_recommender | organises_some_edition)
rules.add_perm("submissions.view_recommendation", is_party_to_recommendation)
rules.add_perm("submissions.decide_recommendation", decides_recommendation)
rules.add_perm("submissions.delete_entry", owns_entry & is_approved_enterprise_user)
# An enterprise's users: every user sees who they are; its administrators manage them; a join request is decided by
# its administrators or by an organiser who reviews the enterprise.
rules.add_perm("submissions.view_people", is_enterprise_user)
rules.add_perm("submissions.manage_people", administers_enterprise)
rules.add_perm("submissions.decide_join_request", administers_enterprise | reviews_enterprise)
rules.add_perm("submissions.view_enterprise_people", reviews_enterprise)
