"""One rich fixture world for the security tests: every kind of object a URL can name, and one user per role.

Edition `edition` is being judged (organised by `organiser`); edition `published` is published (organised by
`other_organiser`). Enterprise A owns the accepted, scored entry of `edition` and the published entry of
`published`; enterprise B owns nothing there.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from events.models import Edition
from results.models import AwardList
from scoring.models import ScoreSheet
from submissions.memberships import recommending_unit_of
from submissions.models import Entry
from tests import factories
from tests.scenarios import PROTOCOL

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

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


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
        file=ContentFile(PDF, name=text),
        original_name=text,
        size=len(PDF),
    )


def build_world(**texts) -> World:
    """The world; texts override the text fields: title, group_name, member, comment, enterprise, judge, edition,
    notice, category, venue, summary, completing_units and reason (of the recusal)."""
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
    factories.ResultRunFactory(edition=edition, status="done", progress=100)
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

    user = world.users["enterprise_a"]
    world.objects = {
        "edition": edition,
        "published_edition": published,
        "category": category,
        "rubric": rubric,
        "venue": venue,
        "other_venue": other_venue,
        "entry": entry,
        "report": report,
        "sheet": sheet,
        "recusal": recusal,
        "award_list": award_list,
        "enterprise": enterprise_a,
        "pending_enterprise": factories.EnterpriseFactory(status="pending", name="待审企业"),
        "published_entry": published_entry,
        "export_format": "csv",
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    return world
