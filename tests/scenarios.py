"""Worlds the tests build on top of tests/factories.py: categories with grades, venues with panels, scored
entries, published results, and the typed points of a score sheet. One module for every app's tests."""

import io
from dataclasses import dataclass
from decimal import Decimal
from itertools import count

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from events.models import Edition, GradeRule
from scoring import sheets
from scoring.models import CriterionScore, ScoreSheet
from submissions import imports
from submissions.models import Entry
from tests import factories

_codes = count(1)

# --- judging: categories, venues, entries and sheets ------------------------------------------------


def category(edition=None, *, aggregation="trimmed_mean", scope="venue", min_sheets=3, grades=(), **kwargs):
    """A QC category on the problem-solving rubric (选题 and 原因分析 break ties).

    grades: (name, rule, value[, floor]) best first."""
    edition = edition or factories.EditionFactory(status=Edition.Status.JUDGING)
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


def venue(category_, *, judges=5, signed_off=False, **venue_kwargs):
    """A venue of the category with a panel of `judges` judges (the first leads); returns (venue, judges)."""
    place = factories.VenueFactory(category=category_, edition=category_.edition, **venue_kwargs)
    panel = [factories.PanelMemberFactory(venue=place, is_leader=seat == 0).judge for seat in range(judges)]
    if signed_off:
        place.signed_off_at = timezone.now()
        place.signed_off_by = panel[0]
        place.save(update_fields=["signed_off_at", "signed_off_by"])
    return place, panel


def entry(venue_, **kwargs):
    """An accepted entry of the venue, with a code of its own unless told."""
    kwargs.setdefault("code", f"QC-2021-{next(_codes):04d}")
    kwargs.setdefault("status", Entry.Status.ACCEPTED)
    return factories.EntryFactory(category=venue_.category, edition=venue_.edition, venue=venue_, **kwargs)


@dataclass
class Judged:
    edition: object
    category: object
    venue: object
    judges: list
    leader: object
    entries: list
    organiser: object

    @property
    def criteria(self):
        return list(self.category.rubric.criteria.order_by("position"))


def judged_venue(*, judges=3, entries=2, category=None, **venue_kwargs) -> Judged:
    """A venue of a QC category with a panel (the first judge leads it), entries in running order and an
    organiser of the edition; no sheets yet."""
    if category is None:
        category = factories.CategoryFactory(edition=factories.EditionFactory(status=Edition.Status.JUDGING))
    place, panel = venue(category, judges=judges, **venue_kwargs)
    made = [entry(place, running_order=i + 1) for i in range(entries)]
    organiser = factories.OrganiserFactory()
    category.edition.organisers.add(organiser)
    return Judged(category.edition, category, place, panel, panel[0] if panel else None, made, organiser)


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


def scored_entry(venue_, judges, totals, ties=None, **kwargs):
    """An accepted entry of the venue with one submitted sheet per total (judges in panel order)."""
    item = entry(venue_, **kwargs)
    for judge, total in zip(judges, totals, strict=False):
        score(item, judge, total, ties)
    return item


def scored_venue(*, entries=2):
    """A venue of three judges (the first leads) in an edition with an organiser; every sheet is submitted
    except the last judge's sheet of the last entry. Returns (edition, venue, judges, entries)."""
    category_ = category(grades=[("标杆", "share", "0.5")])
    category_.edition.organisers.add(factories.OrganiserFactory())
    place, judges = venue(category_, judges=3)
    items = [scored_entry(place, judges, [90 - n, 85 - n, 80 - n]) for n in range(entries - 1)]
    last = scored_entry(place, judges[:2], [70, 72])
    return category_.edition, place, judges, items + [last]


def change_points(score_, by):
    """A judge's criterion score changed by `by` points, the sheet's total with it (as scoring.sheets does)."""
    score_.points += Decimal(str(by))
    score_.save(update_fields=["points"])
    ScoreSheet.objects.filter(pk=score_.sheet_id).refresh_totals()


def total_of(sheet):
    """A sheet's stored total, checked against the sum of its points (which it must always equal)."""
    sheet = ScoreSheet.objects.get(pk=sheet.pk)
    assert sheet.total == sum(sheet.scores.values_list("points", flat=True)), "the total is out of step"
    return sheet.total


# 选题 15, 原因分析 30, 对策与实施 20, 效果 20, 成果报告 5, 特点 10
FULL = ["12.5", "25", "17", "16", "4", "8"]  # total 82.5


def raw(criteria, values):
    """The typed points of a sheet: {criterion id: text}."""
    return {criterion.pk: value for criterion, value in zip(criteria, values, strict=True)}


def values_for_total(total: str):
    """Valid points adding up to ``total`` (at most 100), filling the criteria in order."""
    left = Decimal(total)
    out = []
    for maximum in (15, 30, 20, 20, 5, 10):
        give = min(Decimal(maximum), left)
        out.append(str(give))
        left -= give
    return out


def submitted_sheet(judged, judge, entry, values=FULL, comment=""):
    """A sheet of `judge` for `entry` opened and submitted through scoring.sheets, as the score page does."""
    sheet = sheets.open_sheet(entry=entry, judge=judge)
    return sheets.submit_sheet(
        sheet=sheet, judge=judge, raw=raw(judged.criteria, values), comment=comment, version=sheet.version
    )


# --- results and publication ------------------------------------------------------------------------


def protocol_of(result):
    """The protocol of a stored result, as the results pages and the publication build it."""
    from results.protocols import protocols

    return protocols([result])[result.entry_id]


PROTOCOL = {
    "aggregation": "trimmed_mean",
    "min_sheets": 3,
    "counted_sheets": 5,
    "sheets": [
        {"total": "80.0", "dropped": "", "tie_points": ["12.0"], "judge": 98765, "judge_name": "张评委"},
        {"total": "91.5", "dropped": "high", "tie_points": ["14.0"], "judge": 98766, "judge_name": "李评委"},
        {"total": "84.0", "dropped": "", "tie_points": ["13.0"], "judge": 98767, "judge_name": "王评委"},
        {"total": "70.5", "dropped": "low", "tie_points": ["10.0"], "judge": 98768, "judge_name": "赵评委"},
        {"total": "88.5", "dropped": "", "tie_points": ["13.5"], "judge": 98769, "judge_name": "钱评委"},
    ],
    "recused": 1,
    "tie_breaks": [
        {"criterion": "选题", "aggregate": "12.833333…", "max": "15", "value": "85.56"},
        {"criterion": "原因分析", "aggregate": "25", "max": "30", "value": "83.33"},
    ],
    "final_score": "84.17",
}


def published_edition(*, status=Edition.Status.PUBLISHED, version=1, **kwargs):
    """An edition and its publication (version 1 unless told)."""
    edition = factories.EditionFactory(status=status, **kwargs)
    publication = factories.PublicationFactory(edition=edition, version=version)
    return edition, publication


def published_row(
    publication,
    *,
    category=None,
    enterprise=None,
    venue=None,
    entry_status=Entry.Status.ACCEPTED,
    title=None,
    group_name=None,
    topic_type=Entry.TopicType.PROBLEM_SOLVING,
    final_score="84.17",
    rank=1,
    grade="标杆",
    grade_position=1,
    protocol=None,
    members=None,
    entry=None,
):
    """An accepted entry and its row in the given publication."""
    if entry is None:
        category = category or (venue.category if venue else factories.CategoryFactory(edition=publication.edition))
        extra = {"title": title} if title else {}
        if group_name is not None:
            extra["group_name"] = group_name
        entry = factories.EntryFactory(
            category=category,
            enterprise=enterprise or factories.EnterpriseFactory(),
            status=entry_status,
            venue=venue,
            topic_type=topic_type,
            **extra,
        )
    place = venue or entry.venue
    return factories.PublishedResultFactory(
        publication=publication,
        entry=entry,
        venue=place,
        venue_name=place.name if place else "",
        title=entry.title,
        group_name=entry.group_name,
        province=entry.enterprise.province,
        topic_type=entry.topic_type,
        final_score=Decimal(final_score) if final_score is not None else None,
        rank=rank,
        grade=grade,
        grade_position=grade_position if grade else None,
        protocol=PROTOCOL if protocol is None else protocol,
        members=[] if members is None else members,
    )


# --- submissions: the recommendation workbook ----------------------------------------------------


def entries_workbook(rows, *, columns=None, merge=None, name="推荐汇总表.xlsx", title_row=None):
    """An uploaded .xlsx of recommended entries: the import's columns (unless told), then the rows."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title_row:
        sheet.append([title_row])
    sheet.append(list(imports.COLUMNS) if columns is None else columns)
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


def entry_row(
    enterprise,
    title="降低焊接缺陷率",
    *,
    number=1,
    category="QC小组成果",
    topic="问题解决型",
    sub="现场型",
    unit="",
    members="张三、李四,王五",
):
    """One row of a recommendation workbook for an entry of `enterprise`."""
    return [
        number,
        category,
        title,
        "攻坚QC小组",
        topic,
        sub,
        enterprise.name,
        enterprise.credit_code,
        unit,
        "张三",
        members,
    ]
