"""The permission matrix for entries and their files."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from submissions import memberships
from submissions.memberships import enterprise_of
from submissions.models import Enterprise
from submissions.rules import administers_enterprise, reviews_enterprise
from tests import factories

pytestmark = pytest.mark.django_db

PERMS = ["view_entry", "change_entry", "download_file", "review_entry"]

# who -> (view, change, download, review)
MATRIX = {
    "owner": (True, True, True, False),
    "owner_pending": (True, False, True, False),
    "other_enterprise": (False, False, False, False),
    "edition_organiser": (True, False, True, True),
    "other_organiser": (False, False, False, False),
    "superuser": (True, True, True, True),  # Django gives an active superuser every permission
    "panel_judge": (False, False, True, False),
    "recused_judge": (False, False, False, False),
    "judge_elsewhere": (False, False, False, False),
    "recommender": (False, False, False, False),
    "anonymous": (False, False, False, False),
}


@pytest.fixture
def world(draft, organiser, user_a, user_b):
    venue = factories.VenueFactory(category=draft.category, edition=draft.edition)
    draft.venue = venue
    draft.save()
    panel_judge, recused_judge, judge_elsewhere = factories.JudgeFactory.create_batch(3)
    factories.PanelMemberFactory(venue=venue, judge=panel_judge)
    factories.PanelMemberFactory(venue=venue, judge=recused_judge)
    factories.RecusalFactory(entry=draft, judge=recused_judge)
    factories.PanelMemberFactory(venue=factories.VenueFactory(category=draft.category), judge=judge_elsewhere)
    pending = factories.EnterpriseUserFactory(enterprise=enterprise_of(user_a))
    users = {
        "owner": user_a,
        "owner_pending": pending,
        "other_enterprise": user_b,
        "edition_organiser": organiser,
        "other_organiser": factories.OrganiserFactory(),
        "superuser": factories.OrganiserFactory(is_superuser=True),
        "panel_judge": panel_judge,
        "recused_judge": recused_judge,
        "judge_elsewhere": judge_elsewhere,
        "recommender": factories.RecommenderFactory(),
        "anonymous": AnonymousUser(),
    }
    return draft, users


@pytest.mark.parametrize("who", list(MATRIX))
def test_permission_matrix_for_entries_and_files(world, who):
    entry, users = world
    user = users[who]
    if who == "owner_pending":
        Enterprise.objects.filter(pk=entry.enterprise_id).update(status=Enterprise.Status.PENDING)
        memberships.forget(user)  # read the enterprise again
    stored = entry.files.get(kind="report")
    got = (
        user.has_perm("submissions.view_entry", entry),
        user.has_perm("submissions.change_entry", entry),
        user.has_perm("submissions.download_file", stored),
        user.has_perm("submissions.review_entry", entry),
    )
    assert got == MATRIX[who]


def test_a_lifted_recusal_gives_the_judge_the_files_again(world):
    entry, users = world
    entry.recusals.update(lifted_at=timezone.now())
    assert users["recused_judge"].has_perm("submissions.download_file", entry.files.get(kind="report")) is True


def test_a_judge_of_an_entry_without_venue_gets_nothing(draft, judge):
    assert judge.has_perm("submissions.download_file", draft.files.get(kind="report")) is False


# --- an enterprise's users -------------------------------------------------------------------------------


def test_only_the_enterprises_own_administrators_manage_its_people(enterprise_a, enterprise_b, organiser):
    admin_a = factories.EnterpriseUserFactory(enterprise=enterprise_a, is_administrator=True)
    member_a = factories.EnterpriseUserFactory(enterprise=enterprise_a)
    admin_b = factories.EnterpriseUserFactory(enterprise=enterprise_b, is_administrator=True)
    join_request = factories.JoinRequestFactory(enterprise=enterprise_a)
    edition = factories.EditionFactory()
    edition.organisers.add(organiser)
    enterprise_a.editions.add(edition)
    targets = [enterprise_a, memberships.membership_of(member_a), join_request]
    assert [administers_enterprise(admin_a, target) for target in targets] == [True, True, True]
    assert [administers_enterprise(member_a, target) for target in targets] == [False, False, False]
    assert [administers_enterprise(admin_b, target) for target in targets] == [False, False, False]
    assert [administers_enterprise(organiser, target) for target in targets] == [False, False, False]
    assert [reviews_enterprise(organiser, target) for target in targets] == [True, True, True]
    assert [reviews_enterprise(admin_a, target) for target in targets] == [False, False, False]
    assert reviews_enterprise(organiser, enterprise_b) is False
    assert administers_enterprise(AnonymousUser(), enterprise_a) is False
