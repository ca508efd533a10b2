"""Categories, venues, panels and submitted sheets for the results-engine tests, built with the shared factories."""

from decimal import Decimal

from events.models import Category, GradeRule
from scoring.models import CriterionScore, ScoreSheet
from submissions.models import Entry
from tests import factories


def category(edition=None, *, aggregation="trimmed_mean", scope="venue", min_sheets=3, grades=(), **kwargs):
    """A QC category on the problem-solving rubric (选题 and 原因分析 break ties).

    grades: (name, rule, value[, floor]) best first."""
    edition = edition or factories.EditionFactory(status="judging")
    result = factories.CategoryFactory(
        edition=edition, aggregation=aggregation, ranking_scope=scope, min_sheets=min_sheets, **kwargs
    )
    for position, grade in enumerate(grades, start=1):
        name, rule, value, *rest = grade
        GradeRule.objects.create(
            category=result,
            position=position,
            name=name,
            rule=rule,
            value=Decimal(str(value)),
            floor=Decimal(str(rest[0])) if rest and rest[0] is not None else None,
        )
    return result


def venue(category_, *, judges=5, signed_off=False, name=None):
    """A venue of the category with a panel of `judges` judges (the first leads); returns (venue, judges)."""
    extra = {"name": name} if name else {}
    place = factories.VenueFactory(category=category_, edition=category_.edition, **extra)
    panel = [factories.PanelMemberFactory(venue=place, is_leader=seat == 0).judge for seat in range(judges)]
    if signed_off:
        from django.utils import timezone

        place.signed_off_at = timezone.now()
        place.signed_off_by = panel[0]
        place.save(update_fields=["signed_off_at", "signed_off_by"])
    return place, panel


def entry(venue_, **kwargs):
    kwargs.setdefault("status", Entry.Status.ACCEPTED)
    return factories.EntryFactory(category=venue_.category, edition=venue_.edition, venue=venue_, **kwargs)


def score(entry_, judge, total, ties=None, *, status=ScoreSheet.Status.SUBMITTED, rubric=None):
    """A sheet of `judge` for `entry_` with the given total; ties sets the first criteria's points."""
    rubric = rubric or entry_.rubric
    criteria = list(rubric.criteria.order_by("position"))
    total = Decimal(str(total))
    points = [Decimal(str(p)) for p in (ties or ())]
    remaining = total - sum(points, Decimal(0))
    for criterion in criteria[len(points) :]:
        given = min(criterion.max_points, remaining)
        points.append(given)
        remaining -= given
    assert remaining == 0, f"{total} does not fit the rubric"
    sheet = ScoreSheet.objects.create(entry=entry_, judge=judge, rubric=rubric, status=status, total=total)
    CriterionScore.objects.bulk_create(
        CriterionScore(sheet=sheet, criterion=c, points=p) for c, p in zip(criteria, points, strict=True)
    )
    return sheet


def protocol_of(result):
    """The protocol of a stored result, as the results pages and the publication build it."""
    from results.protocols import protocols

    return protocols([result])[result.entry_id]


def total_of(sheet):
    """A sheet's stored total, checked against the sum of its points (which it must always equal)."""
    sheet = ScoreSheet.objects.get(pk=sheet.pk)
    assert sheet.total == sum(sheet.scores.values_list("points", flat=True)), "the total is out of step"
    return sheet.total


def change_points(score, by):
    """A judge's criterion score changed by `by` points, the sheet's total with it (as scoring.sheets does)."""
    score.points += Decimal(str(by))
    score.save(update_fields=["points"])
    ScoreSheet.objects.filter(pk=score.sheet_id).refresh_totals()


def scored_entry(venue_, judges, totals, ties=None, **kwargs):
    """An accepted entry of the venue with one submitted sheet per total (judges in panel order)."""
    item = entry(venue_, **kwargs)
    for judge, total in zip(judges, totals, strict=False):
        score(item, judge, total, ties)
    return item


__all__ = [
    "Category",
    "category",
    "venue",
    "entry",
    "score",
    "change_points",
    "protocol_of",
    "scored_entry",
    "total_of",
]
