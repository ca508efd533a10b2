"""Who may see, change and review entries and download their files. Role predicates come from portal.rules."""

import rules

from events.models import PanelMember
from events.rules import organises
from portal.rules import is_approved_enterprise_user, is_enterprise_user, is_judge, is_organiser, is_recommender


def _entry(obj):
    """The entry of an entry or of one of its files."""
    return getattr(obj, "entry", obj)


@rules.predicate
def owns_entry(user, obj):
    entry = _entry(obj)
    return entry is not None and is_enterprise_user(user) and entry.enterprise_id == user.enterprise_id


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
    return not entry.recusals.filter(judge=user, lifted_at__isnull=True).exists()


@rules.predicate
def organises_some_edition(user):
    return is_organiser(user) and (user.is_superuser or user.organised_editions.exists())


rules.add_perm("submissions.review_enterprise", is_organiser)
rules.add_perm("submissions.view_dashboard", is_enterprise_user)
rules.add_perm("submissions.create_entry", is_approved_enterprise_user)
rules.add_perm("submissions.view_entry", owns_entry | organises_entry)
rules.add_perm("submissions.change_entry", owns_entry & is_approved_enterprise_user)
rules.add_perm("submissions.download_file", owns_entry | organises_entry | judges_entry)
rules.add_perm("submissions.review_list", organises_some_edition)
rules.add_perm("submissions.review_entry", organises_entry)
rules.add_perm("submissions.upload_recommendations", is_recommender | organises_some_edition)
