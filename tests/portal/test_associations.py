"""Two associations on one installation: each one's organisers, judges and recommending units reach nothing of the
other's. Generated from the URL configuration like the permission matrix (test_permission_matrix.py): every URL
that names an object of the first association, requested by every role of the second; then every page without an
id, read by the second association's people, searched for the first association's names."""

from datetime import date

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from events import services
from events.models import AssociationMember
from submissions.memberships import recommending_unit_of
from tests import factories
from tests.portal.test_permission_matrix import EXPECTED, outcomes_for
from tests.portal.url_walk import named_patterns
from tests.scenarios import ROLES, build_world

# What the second association's people are: the role of the first world whose outcome theirs must not exceed.
SECOND = {
    "administrator_b": "organiser_other_edition",
    "organiser_b": "organiser_other_edition",
    "judge_b": "judge_other_venue",
    "leader_b": "judge_other_venue",
    "judge_in_both_pools": "judge_other_venue",
    "recommender_b": "enterprise_b",
}
REFUSED = {"login", "403", "404", "405"}
# The first association's names that only its own people may read (none of them is published).
TEXTS = {
    "edition": "甲协会第四十次交流活动",
    "venue": "甲协会第一分会场",
    "judge": "甲协会评委周",
    "category": "甲协会成果类",
}


def second_association(world):
    """Association B beside the world's (the main association): its administrator and organiser, an edition being
    judged with a venue whose panel has B's judge and leader and a judge in both pools, and a recommending unit."""
    association = factories.AssociationFactory(name="乙省质量协会", short_name="乙质协", slug="province-b")
    administrator = factories.OrganiserFactory(
        full_name="乙管理员", association=association, association__role="administrator"
    )
    organiser = factories.OrganiserFactory(full_name="乙组织者", association=association)
    edition = factories.EditionFactory(association=association, status="judging", name="乙协会交流活动")
    edition.organisers.add(organiser)
    # Another day than the first association's venues: a judge in both pools may sit on both panels.
    venue = factories.VenueFactory(category=factories.CategoryFactory(edition=edition), date=date(2021, 10, 20))
    judge = factories.JudgeFactory(full_name="乙评委", pool=association)
    leader = factories.JudgeFactory(full_name="乙组长", pool=association)
    both = factories.JudgeFactory(full_name="两会评委")
    association.judges.add(both)
    factories.PanelMemberFactory(venue=venue, judge=judge)
    factories.PanelMemberFactory(venue=venue, judge=leader, is_leader=True)
    factories.PanelMemberFactory(venue=venue, judge=both)
    unit = factories.RecommendingUnitFactory(association=association, name="乙推荐单位")
    recommender = factories.RecommenderFactory(full_name="乙推荐人", recommending_unit=unit)
    world.users.update(
        administrator_b=administrator,
        organiser_b=organiser,
        judge_b=judge,
        leader_b=leader,
        judge_in_both_pools=both,
        recommender_b=recommender,
    )
    world.objects.update(association_b=association, edition_b=edition, venue_b=venue)
    return world


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_role_of_the_other_association_gets_further_than_an_outsider(db, name):
    world = second_association(build_world())
    leaks = []
    for method, row in EXPECTED[name].items():
        expected = dict(zip(ROLES, row.split(), strict=True))
        got = outcomes_for(world, name, method, list(SECOND))
        for role, outcome in zip(SECOND, got, strict=True):
            outsider = expected[SECOND[role]]
            if outsider in REFUSED and outcome not in REFUSED:
                leaks.append((method, role, outcome, f"{SECOND[role]}: {outsider}"))
    assert leaks == [], name


def _pages_without_ids():
    return sorted(
        name
        for name, route, parameters in named_patterns()
        if not parameters and not name.startswith(("public:", "api:")) and not route.endswith((".pdf", ".xlsx"))
    )


@pytest.mark.parametrize("role", ["administrator_b", "organiser_b", "judge_b", "judge_in_both_pools", "recommender_b"])
def test_pages_without_ids_show_the_other_association_nothing(db, role):
    world = second_association(build_world(**TEXTS))
    secrets = [
        *TEXTS.values(),
        "待审企业",  # registered for the first association's edition
        recommending_unit_of(world.users["recommender"]).name,
        world.users["organiser"].email,
        world.users["judge_other_venue"].email,
    ]
    client = Client()
    client.force_login(world.users[role])
    seen = []
    for name in _pages_without_ids():
        cache.clear()
        response = client.get(reverse(name))
        body = response.content.decode(errors="replace") if response.status_code == 200 else ""
        seen += [(name, text) for text in secrets if text in body]
    assert seen == []


def test_the_second_association_sees_its_own_on_the_same_pages(db):
    """The control of the test above: the same pages do show the second association its own people and units."""
    world = second_association(build_world(**TEXTS))
    client = Client()
    client.force_login(world.users["administrator_b"])
    judges = client.get(reverse("scoring:judges"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    units = client.get(reverse("submissions:units"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    editions = client.get(reverse("events:edition_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ("乙评委" in judges, "两会评委" in judges, TEXTS["judge"] in judges) == (True, True, False)
    assert ("乙推荐单位" in units, "乙协会交流活动" in editions, TEXTS["edition"] in editions) == (True, True, False)


def test_a_judge_in_both_pools_is_offered_to_both_associations_panels_and_only_theirs_to_each(db):
    world = second_association(build_world())
    both, outsider = world.users["judge_in_both_pools"], world.users["judge_b"]
    client = Client()
    client.force_login(world.users["organiser"])
    offered = client.get(reverse("events:panel", args=[world.venue.pk])).context["form"].fields["judges"].queryset
    assert (both in offered, outsider in offered) == (True, False)
    services.set_panel(venue=world.other_venue, judges=[world.users["judge_other_venue"], both])
    with pytest.raises(ValidationError):
        services.set_panel(venue=world.other_venue, judges=[outsider])
    assert set(world.other_venue.panel.values_list("judge__full_name", flat=True)) == {"他会场评委", "两会评委"}


def test_an_enterprise_enters_editions_of_both_associations_and_each_sees_only_its_own_entry(db):
    world = second_association(build_world())
    edition_b = world.edition_b
    entry_b = factories.EntryFactory(
        category=edition_b.categories.get(), enterprise=world.enterprise, status="submitted", title="乙协会的成果"
    )
    clerk = Client()
    clerk.force_login(world.users["enterprise_a"])
    dashboard = clerk.get(reverse("submissions:dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert world.entry.title in dashboard and "乙协会的成果" in dashboard

    organiser_b = Client()
    organiser_b.force_login(world.users["organiser_b"])
    review = organiser_b.get(reverse("submissions:review_list"), {"edition": ""}).content.decode()
    assert "乙协会的成果" in review and world.entry.title not in review
    assert organiser_b.get(reverse("submissions:review_entry", args=[entry_b.pk])).status_code == 200
    assert organiser_b.get(reverse("submissions:review_entry", args=[world.entry.pk])).status_code == 403
    # The enterprise is one of B's now, so B's organisers may look at it, but not at A's extensions of it.
    enterprises = organiser_b.get(reverse("submissions:enterprise_list"), {"status": "approved"}).content.decode()
    assert world.enterprise.name in enterprises
    assert organiser_b.get(reverse("submissions:enterprise_review", args=[world.enterprise.pk])).status_code == 200


def test_an_organiser_of_one_association_cannot_join_the_other_s_edition_teams(db):
    world = second_association(build_world())
    with pytest.raises(ValidationError):
        services.add_organiser(edition=world.edition, user=world.users["organiser_b"], by=world.users["organiser"])
    administrator_b = world.users["administrator_b"]
    assert AssociationMember.objects.get(user=administrator_b).role == "administrator"
    client = Client()
    client.force_login(administrator_b)
    assert client.get(reverse("events:dashboard", args=[world.edition_b.pk])).status_code == 200
    assert client.get(reverse("events:dashboard", args=[world.edition.pk])).status_code == 403
