from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from demo.scale import EDITION_NAME, split
from events.models import Category, Edition, PanelMember, Venue
from results.computation import compute_results
from results.models import Result
from scoring.models import CriterionScore, Recusal, ScoreSheet
from submissions.models import Enterprise, Entry, Member
from tests import factories, scenarios

pytestmark = pytest.mark.django_db

SEED = 7  # gives 8 recusals, 4 of them standing
SMALL = {"entries": 60, "venues": 6, "judges": 5, "enterprises": 12}


def seed(**options):
    call_command("seed_scale", **{**SMALL, **options})
    return Edition.objects.get(name=options.get("name", EDITION_NAME))


def test_seed_scale_small_counts_exact():
    edition = seed()
    assert Category.objects.filter(edition=edition).count() == 3
    assert Venue.objects.filter(edition=edition).count() == 6
    assert Entry.objects.filter(edition=edition, status=Entry.Status.ACCEPTED, venue__isnull=False).count() == 60
    assert PanelMember.objects.filter(venue__edition=edition).count() == 30
    assert ScoreSheet.objects.filter(entry__edition=edition, status=ScoreSheet.Status.SUBMITTED).count() == 300
    assert ScoreSheet.objects.filter(entry__edition=edition).count() == 300
    assert CriterionScore.objects.filter(sheet__entry__edition=edition).count() == 1800
    assert Enterprise.objects.filter(entries__edition=edition).distinct().count() <= 12
    assert not Venue.objects.filter(edition=edition, signed_off_at__isnull=True).exists()


def test_seed_scale_entries_split_like_2021_exchange():
    edition = seed()
    per_category = dict(
        Entry.objects.filter(edition=edition).values_list("category__code").annotate(n=Count("id")).order_by()
    )
    assert per_category == {"QC": 34, "XD": 12, "PP": 14}
    venues = dict(Venue.objects.filter(edition=edition).values_list("category__code").annotate(n=Count("id")))
    assert venues == {"QC": 3, "XD": 1, "PP": 2}
    assert split(20_000, [Decimal("0.56"), Decimal("0.21"), Decimal("0.23")]) == [11200, 4200, 4600]
    assert split(400, [Decimal("0.56"), Decimal("0.21"), Decimal("0.23")]) == [224, 84, 92]


def test_seed_scale_every_sheet_has_each_criterion_within_maximum():
    edition = seed()
    sheets = ScoreSheet.objects.filter(entry__edition=edition).annotate(n=Count("scores"))
    assert set(sheets.values_list("n", flat=True)) == {6}
    scores = CriterionScore.objects.filter(sheet__entry__edition=edition).select_related("criterion")
    assert all(Decimal(0) <= s.points <= s.criterion.max_points for s in scores)
    assert all(s.sheet.rubric_id == s.criterion.rubric_id for s in scores.select_related("sheet"))


def test_seed_scale_brand_stories_respect_quota_and_members_have_one_leader():
    edition = seed()
    stories = (
        Entry.objects.filter(edition=edition, category__code="PP")
        .values("enterprise")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    assert stories[0]["n"] <= 3
    leaders = Member.objects.filter(entry__edition=edition, is_leader=True).values("entry").annotate(n=Count("id"))
    assert {row["n"] for row in leaders} == {1}


def test_seed_scale_recusals_are_judges_of_the_entrys_enterprise():
    edition = seed(entries=120, venues=6, judges=5, enterprises=10, seed=SEED)
    recusals = list(Recusal.objects.filter(entry__edition=edition).select_related("judge__membership", "entry"))
    assert len(recusals) == 8
    assert sum(r.lifted_at is None for r in recusals) == 4
    assert all(r.judge.membership.enterprise_id == r.entry.enterprise_id for r in recusals)
    assert all(r.automatic and r.source == "enterprise" for r in recusals)


def test_seed_scale_results_compute_with_recused_sheets_left_out():
    edition = seed(entries=120, venues=6, judges=5, enterprises=10, seed=SEED)
    compute_results(edition=edition)
    assert Result.objects.filter(category__edition=edition).count() == 120
    standing = Recusal.objects.filter(entry__edition=edition, lifted_at__isnull=True)
    for recusal in standing:
        result = Result.objects.get(entry=recusal.entry)
        assert result.counted_sheets == 4
        assert {"judge": recusal.judge_id, "reason": "recused"} in scenarios.protocol_of(result)["excluded"]
    untouched = Result.objects.filter(category__edition=edition).exclude(entry__in=standing.values("entry"))
    assert set(untouched.values_list("counted_sheets", flat=True)) == {5}


def test_seed_scale_refuses_to_run_twice():
    seed()
    with pytest.raises(CommandError, match="already there"):
        seed()
    assert Edition.objects.filter(name=EDITION_NAME).count() == 1
    assert Entry.objects.count() == 60


def test_seed_scale_leaves_other_editions_alone():
    other = seed(name="另一次规模测试")
    counts = (Entry.objects.filter(edition=other).count(), ScoreSheet.objects.filter(entry__edition=other).count())
    seed()
    other.refresh_from_db()
    assert other.status == Edition.Status.JUDGING
    after = (Entry.objects.filter(edition=other).count(), ScoreSheet.objects.filter(entry__edition=other).count())
    assert after == counts == (60, 300)
    assert Edition.objects.count() == 2


def test_seed_scale_refuses_a_database_with_a_real_account():
    factories.UserFactory(email="chief@factory.example")
    with pytest.raises(CommandError, match="holds real data \\(the account chief@factory.example\\)"):
        seed()
    assert not Edition.objects.exists()
    assert not Entry.objects.exists()


def test_seed_scale_refuses_a_real_edition_with_a_non_zero_exit():
    factories.EditionFactory(name="第四十一次交流活动", year=2022)
    with pytest.raises(CommandError, match="holds real data \\(the edition 第四十一次交流活动 \\(2022\\)\\)") as error:
        seed()
    assert error.value.returncode == 1  # manage.py exits with it
    assert Edition.objects.count() == 1


def test_seed_scale_refuses_fewer_entries_than_venues():
    with pytest.raises(CommandError, match="at least as many entries as venues"):
        call_command("seed_scale", entries=5, venues=6)
    assert not Edition.objects.filter(name=EDITION_NAME).exists()


def test_seed_scale_refuses_too_few_enterprises_for_the_story_quota():
    with pytest.raises(CommandError, match="Give more enterprises"):
        call_command("seed_scale", entries=120, venues=6, judges=5, enterprises=4)
    assert not Edition.objects.filter(name=EDITION_NAME).exists()
