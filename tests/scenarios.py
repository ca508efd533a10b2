"""Worlds the tests build on top of tests/factories.py: categories with grades, venues with panels, scored
entries, published results, and the typed points of a score sheet. One module for every app's tests."""

import io
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count

import openpyxl
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from events.models import Edition, GradeRule
from results.models import AwardList
from scoring import sheets
from scoring.models import CriterionScore, ScoreSheet
from submissions import imports
from submissions.memberships import membership_of, recommending_unit_of
from submissions.models import Entry, Recommendation
from submissions.services import signup_tokens
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
        sheet=sheet, by=judge, raw=raw(judged.criteria, values), comment=comment, version=sheet.version
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


def publish_every_scored(*categories):
    """Make the categories publish every scored entry, not only the graded ones (the default policy)."""
    for item in categories:
        item.published_entries = "scored"
        item.save(update_fields=["published_entries"])


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


# --- the security tests' world: every kind of object a URL can name, one user per role ---------------

ROLES = (
    "anonymous",
    "enterprise_a",
    "enterprise_b",
    "recommender",
    "judge_other_venue",
    "judge",
    "leader",
    "organiser_other_edition",
    "organiser",
)

_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class World:
    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None


def _report(entry, text="report.pdf"):
    return factories.EntryFileFactory(
        entry=entry,
        file=ContentFile(_PDF, name=text),
        original_name=text,
        size=len(_PDF),
    )


def _association_with_logo(association):
    association.logo.save("logo.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16), save=True)
    return association


def build_world(**texts) -> World:
    """The security tests' world: every kind of object a URL can name and one user per role (ROLES).

    Edition `edition` is being judged (organised by `organiser`); edition `published` is published (organised by
    `other_organiser`). Enterprise A owns the accepted, scored entry of `edition` and the published entry of
    `published`; enterprise B owns nothing there. Texts override the text fields: title, group_name, member,
    comment, enterprise, judge, edition, notice, category, venue, summary, completing_units and reason (of the
    recusal)."""
    world = World()
    enterprise_a = factories.EnterpriseFactory(name=texts.get("enterprise", "甲企业有限公司"))
    enterprise_b = factories.EnterpriseFactory(name="乙企业有限公司")
    recommender = factories.RecommenderFactory(full_name="推荐人")
    organiser = factories.OrganiserFactory(full_name="组织者")
    other_organiser = factories.OrganiserFactory(full_name="另一届组织者")
    judge = factories.JudgeFactory(full_name=texts.get("judge", "本会场评委"))
    leader = factories.JudgeFactory(full_name="评审组长")
    judge_other = factories.JudgeFactory(full_name="他会场评委")
    recused_judge = factories.JudgeFactory(full_name="回避评委")
    world.users = {
        "anonymous": None,
        "enterprise_a": factories.EnterpriseUserFactory(enterprise=enterprise_a, full_name="甲用户"),
        "enterprise_b": factories.EnterpriseUserFactory(enterprise=enterprise_b, full_name="乙用户"),
        "recommender": recommender,
        "judge_other_venue": judge_other,
        "judge": judge,
        "leader": leader,
        "organiser_other_edition": other_organiser,
        "organiser": organiser,
    }

    # The edition being judged.
    edition = factories.EditionFactory(
        status=Edition.Status.JUDGING, name=texts.get("edition", "第40次交流活动"), notice=texts.get("notice", "")
    )
    edition.organisers.add(organiser)
    category = factories.CategoryFactory(edition=edition, name=texts.get("category", "QC小组成果"))
    factories.GradeRuleFactory(category=category, name="标杆", value=Decimal("0.5"))
    rubric = category.rubric
    venue = factories.VenueFactory(category=category, name=texts.get("venue", "第一分会场"))
    other_venue = factories.VenueFactory(category=category, name="第二分会场")
    factories.PanelMemberFactory(venue=venue, judge=judge)
    factories.PanelMemberFactory(venue=venue, judge=leader, is_leader=True)
    factories.PanelMemberFactory(venue=venue, judge=recused_judge)
    factories.PanelMemberFactory(venue=other_venue, judge=judge_other, is_leader=True)
    entry = factories.EntryFactory(
        category=category,
        enterprise=enterprise_a,
        recommending_unit=recommending_unit_of(recommender),
        status=Entry.Status.ACCEPTED,
        venue=venue,
        running_order=1,
        code="QC-2021-0001",
        title=texts.get("title", "降低焊接缺陷率"),
        summary=texts.get("summary", ""),
        completing_units=texts.get("completing_units", ""),
        group_name=texts.get("group_name", "攻坚QC小组"),
    )
    member = texts.get("member", "张三")
    factories.MemberFactory(entry=entry, name=member, group_role="组长", is_leader=True, position=0)
    report = _report(entry)
    sheet = factories.ScoreSheetFactory(
        entry=entry,
        judge=judge,
        rubric=rubric,
        status=ScoreSheet.Status.SUBMITTED,
        submitted_at=timezone.now(),
        comment=texts.get("comment", "很好"),
    )
    for criterion in rubric.criteria.order_by("position"):
        factories.CriterionScoreFactory(sheet=sheet, criterion=criterion, points=criterion.max_points - 1)
    factories.SheetAuditFactory(sheet=sheet, user=judge)
    recusal = factories.RecusalFactory(entry=entry, judge=recused_judge, reason=texts.get("reason", "同单位"))
    result_run = factories.ResultRunFactory(edition=edition, status="done", progress=100)
    factories.ResultFactory(entry=entry, final_score=Decimal("94.00"), ranked=True, rank=1, grade="标杆")
    award_list = AwardList.objects.create(
        edition=edition, format=AwardList.Format.CSV, status=AwardList.Status.DONE, rows=1
    )
    award_list.file.save("awards.csv", ContentFile(b"code,title\r\n"), save=True)

    # A published edition, organised by the other organiser, with enterprise A's published entry.
    published = factories.EditionFactory(status=Edition.Status.PUBLISHED)
    published.organisers.add(other_organiser)
    publication = factories.PublicationFactory(edition=published, version=1, published_by=other_organiser)
    published_category = factories.CategoryFactory(edition=published)
    published_venue = factories.VenueFactory(category=published_category, name="发布分会场")
    published_entry = factories.EntryFactory(
        category=published_category,
        enterprise=enterprise_a,
        status=Entry.Status.ACCEPTED,
        venue=published_venue,
        code="QC-2020-0001",
        publish_report=True,
        title=texts.get("title", "提高装配一次合格率"),
        group_name=texts.get("group_name", "精益QC小组"),
    )
    published_member = texts.get("member", "李四")
    factories.MemberFactory(entry=published_entry, name=published_member, group_role="组长", is_leader=True, position=0)
    _report(published_entry)
    factories.PublishedResultFactory(
        publication=publication,
        entry=published_entry,
        venue=published_venue,
        venue_name=published_venue.name,
        group_name=published_entry.group_name,
        province=enterprise_a.province,
        final_score=Decimal("90.00"),
        rank=1,
        grade="标杆",
        grade_position=1,
        protocol=PROTOCOL,
        members=[{"name": published_member, "role": "组长"}],
    )

    # Enterprise A's certificate of the published entry, and its category's zip.
    certificate = factories.CertificateFactory(
        entry=published_entry, publication=publication, code="QCV3RT7K", number="〔2020〕QC-0001", grade="标杆"
    )
    certificate_archive = factories.CertificateArchiveFactory(
        run=factories.CertificateRunFactory(publication=publication, status="done", certificates=1),
        category=published_category,
    )

    user = world.users["enterprise_a"]
    # An enterprise registered for the judged edition, awaiting approval; its first user has not confirmed the sign-up.
    pending = factories.EnterpriseFactory(status="pending", name="待审企业")
    pending.editions.add(edition)
    newcomer = factories.EnterpriseUserFactory(enterprise=pending, is_active=False)
    factories.InvitationFactory(enterprise=enterprise_a, token="world-invitation")
    world.objects = {
        "edition": edition,
        "published_edition": published,
        "category": category,
        "rubric": rubric,
        "venue": venue,
        "other_venue": other_venue,
        "panel_judge": judge,
        "entry": entry,
        "result_run": result_run,
        "report": report,
        "sheet": sheet,
        "recusal": recusal,
        "award_list": award_list,
        "enterprise": enterprise_a,
        "pending_enterprise": pending,
        "recommendation": factories.RecommendationFactory(
            edition=edition,
            enterprise=enterprise_a,
            unit=recommending_unit_of(recommender),
            proposed_by_side=Recommendation.Side.ENTERPRISE,
        ),
        "signup_uidb64": urlsafe_base64_encode(force_bytes(newcomer.pk)),
        "signup_token": signup_tokens.make_token(newcomer),
        "published_entry": published_entry,
        # The public address of the published edition's association (its pages under /a/<slug>/), with a logo.
        "association_slug": _association_with_logo(published.association).slug,
        "certificate": certificate,
        "certificate_archive": certificate_archive,
        "certificate_code": certificate.code,
        "publication": publication,
        "export_format": "csv",
        "guide_role": "judge",
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        # Enterprise A's people: a second, plain user, a join request and a pending invitation (link token).
        "colleague_membership": membership_of(factories.EnterpriseUserFactory(enterprise=enterprise_a)),
        "join_request": factories.JoinRequestFactory(enterprise=enterprise_a),
        "invitation_token": "world-invitation",
        # The association of both editions (its team: the two organisers, neither an administrator).
        "association": edition.association,
        "association_member": edition.association.members.get(user=organiser),
    }
    return world
