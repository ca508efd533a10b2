"""factory_boy factories for every model. Valid by default; override what a test is about."""

import hashlib
from datetime import date, time, timedelta
from decimal import Decimal

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from events.models import (
    Announcement,
    Association,
    AssociationEvent,
    AssociationMember,
    AuditEvent,
    Category,
    Criterion,
    Edition,
    EditionStatusChange,
    GradeRule,
    PanelMember,
    Rubric,
    Venue,
)
from portal.models import LoginAttempt, OutboxMessage, User
from portal.spreadsheets import SCIENTIFIC
from results.models import (
    AwardList,
    Certificate,
    CertificateArchive,
    CertificateRun,
    CertificateTemplate,
    PlenaryEntry,
    Publication,
    PublishedResult,
    Result,
    ResultRun,
)
from scoring.models import CriterionScore, Declaration, JudgeProfile, Recusal, ScoreSheet, SheetAudit
from submissions import memberships
from submissions.models import (
    DeadlineExtension,
    DeletedDraft,
    Enterprise,
    Entry,
    EntryFile,
    EntryTransition,
    Invitation,
    JoinRequest,
    Member,
    Membership,
    PeopleEvent,
    Recommendation,
    RecommendingUnit,
)
from submissions.validators import example_credit_code


def readable_credit_code(n: int) -> str:
    """A made-up credit code for the n-th enterprise, never one a spreadsheet reads as a number in scientific notation
    (such as 9111000000000006E0, which an import rightly refuses): which n comes up depends on the tests run before."""
    code = example_credit_code(n, prefix="91110000")
    return example_credit_code(n + 1_000_000, prefix="91110000") if SCIENTIFIC.match(code) else code


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    credit_code = factory.Sequence(lambda n: readable_credit_code(n))
    province = "zhejiang"
    industry = "机械"
    status = Enterprise.Status.APPROVED


class AssociationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Association

    name = factory.Sequence(lambda n: f"第{n}省质量协会")
    short_name = factory.Sequence(lambda n: f"省质协{n}")
    slug = factory.Sequence(lambda n: f"province-{n}")
    contact_phone = "010-68594000"


class AssociationMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssociationMember

    association = factory.SubFactory(AssociationFactory)
    user = factory.SubFactory("tests.factories.OrganiserFactory", association=False)
    role = AssociationMember.Role.ORGANISER


class AssociationEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssociationEvent

    association = factory.SubFactory(AssociationFactory)
    action = AssociationEvent.Action.MEMBER_ADDED
    target = "组织者 <organiser@example.com>"
    new_values = factory.LazyFunction(lambda: {"role": AssociationMember.Role.ORGANISER})


def main_association() -> Association:
    """The association every factory's edition, unit, organiser and judge belongs to unless a test says otherwise:
    tests written before there were several associations see one installation with one association."""
    return Association.objects.get_or_create(
        slug="main", defaults={"name": "中国机械工业质量管理协会", "short_name": "中机质协"}
    )[0]


class RecommendingUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecommendingUnit

    association = factory.LazyFunction(main_association)

    name = factory.Sequence(lambda n: f"推荐单位{n}")
    province = "zhejiang"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    role = User.Role.JUDGE
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    # The user's enterprise or recommending unit is its membership (submissions.Membership), not a field of the
    # user: UserFactory(enterprise=...) and UserFactory(recommending_unit=...) create the membership.
    enterprise = None
    recommending_unit = None
    is_administrator = False

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()

    @staticmethod
    def _membership(kwargs) -> dict:
        return {key: kwargs.pop(key) for key in ("enterprise", "recommending_unit", "is_administrator")}

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        cls._membership(kwargs)  # an unsaved user has no membership
        return super()._build(model_class, *args, **kwargs)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        membership = cls._membership(kwargs)
        user = super()._create(model_class, *args, **kwargs)
        memberships.set_membership(user, **membership)
        return user


class OrganiserFactory(UserFactory):
    """An organiser on the team of an association: the main one unless `association=` names another (or None)."""

    role = User.Role.ORGANISER
    email = factory.Sequence(lambda n: f"organiser{n}@example.com")

    @factory.post_generation
    def association(self, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        role = kwargs.get("role", AssociationMember.Role.ORGANISER)
        AssociationMember.objects.get_or_create(
            association=extracted or main_association(), user=self, defaults={"role": role}
        )


class EnterpriseUserFactory(UserFactory):
    role = User.Role.ENTERPRISE
    email = factory.Sequence(lambda n: f"clerk{n}@example.com")
    enterprise = factory.SubFactory(EnterpriseFactory)


class RecommenderFactory(UserFactory):
    role = User.Role.RECOMMENDER
    email = factory.Sequence(lambda n: f"recommender{n}@example.com")
    recommending_unit = factory.SubFactory(RecommendingUnitFactory)


class JudgeFactory(UserFactory):
    """A judge in an association's pool: the main one unless `pool=` names another (or False for none)."""

    role = User.Role.JUDGE
    email = factory.Sequence(lambda n: f"judge{n}@example.com")
    organisation = factory.Sequence(lambda n: f"评审单位{n}")

    @factory.post_generation
    def pool(self, create, extracted, **kwargs):
        if create and extracted is not False:
            (extracted or main_association()).judges.add(self)


class MembershipFactory(factory.django.DjangoModelFactory):
    """A judge's membership of the enterprise it works for. Users with an organisation are easier made with
    EnterpriseUserFactory(enterprise=...) or RecommenderFactory(recommending_unit=...)."""

    class Meta:
        model = Membership

    user = factory.SubFactory(JudgeFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)


class EditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Edition

    association = factory.LazyFunction(main_association)
    name = factory.Sequence(lambda n: f"第{40 + n}次质量管理小组成果交流活动")
    number = factory.Sequence(lambda n: 40 + n)
    year = 2021
    city = "杭州"
    starts_on = date(2021, 9, 23)
    ends_on = date(2021, 9, 25)
    status = Edition.Status.OPEN
    submissions_open_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=30))
    submission_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))


class RubricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rubric

    edition = factory.SubFactory(EditionFactory)
    name = factory.Sequence(lambda n: f"评审表{n}")
    kind = Rubric.Kind.PROBLEM_SOLVING
    total = Decimal("100")


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    rubric = factory.SubFactory(RubricFactory)
    position = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"评审项{n}")
    max_points = Decimal("20")


PROBLEM_SOLVING = [("选题", 15), ("原因分析", 30), ("对策与实施", 20), ("效果", 20), ("成果报告", 5), ("特点", 10)]


def rubric_with_criteria(edition, criteria=PROBLEM_SOLVING, tie_breaks=(1, 2), **kwargs):
    """A rubric with the given (name, max) criteria; positions in tie_breaks break ties."""
    rubric = RubricFactory(edition=edition, total=sum(Decimal(m) for _, m in criteria), **kwargs)
    for position, (name, maximum) in enumerate(criteria, start=1):
        CriterionFactory(
            rubric=rubric, position=position, name=name, max_points=Decimal(maximum), breaks_ties=position in tie_breaks
        )
    return rubric


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    edition = factory.SubFactory(EditionFactory)
    kind = Category.Kind.QC
    name = factory.Sequence(lambda n: f"QC小组成果{n}")
    code = factory.Sequence(lambda n: f"QC{n}")
    rubric = factory.LazyAttribute(lambda o: rubric_with_criteria(o.edition))


class GradeRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GradeRule

    category = factory.SubFactory(CategoryFactory)
    position = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"等级{n}")
    rule = GradeRule.Rule.SHARE
    value = Decimal("0.5")


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    category = factory.SubFactory(CategoryFactory)
    edition = factory.SelfAttribute("category.edition")
    name = factory.Sequence(lambda n: f"第{n + 1}分会场")
    room = "301"
    date = date(2021, 9, 24)
    start_time = time(8, 30)


class PanelMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PanelMember
        skip_postgeneration_save = True

    venue = factory.SubFactory(VenueFactory)
    judge = factory.SubFactory(JudgeFactory)

    @factory.post_generation
    def declared(self, create, extracted, **kwargs):
        """A seated judge has confirmed the edition's declaration (scoring.people) unless declared=False: a judge
        scores only once it is confirmed."""
        if create and extracted is not False:
            Declaration.objects.get_or_create(edition_id=self.venue.edition_id, judge=self.judge)


class EntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entry

    category = factory.SubFactory(CategoryFactory)
    edition = factory.SelfAttribute("category.edition")
    enterprise = factory.SubFactory(EnterpriseFactory)
    title = factory.Sequence(lambda n: f"降低焊接缺陷率{n}")
    group_name = factory.Sequence(lambda n: f"攻坚QC小组{n}")
    topic_type = Entry.TopicType.PROBLEM_SOLVING
    sub_type = Entry.SubType.SITE
    status = Entry.Status.DRAFT


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    entry = factory.SubFactory(EntryFactory)
    name = factory.Sequence(lambda n: f"成员{n}")
    position = factory.Sequence(lambda n: n)


REPORT_PDF = b"%PDF-1.4\n%%EOF\n"


def _sha256_of(file) -> str:
    """The digest the upload would have stored: of the file's bytes, whatever a test passed as the file."""
    file.seek(0)
    digest = hashlib.sha256(file.read()).hexdigest()
    file.seek(0)
    return digest


class EntryFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EntryFile

    entry = factory.SubFactory(EntryFactory)
    kind = EntryFile.Kind.REPORT
    file = factory.django.FileField(filename="report.pdf", data=REPORT_PDF)
    original_name = "report.pdf"
    content_type = "application/pdf"
    size = factory.LazyAttribute(lambda o: o.file.size)
    sha256 = factory.LazyAttribute(lambda o: _sha256_of(o.file))


class EntryTransitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EntryTransition

    entry = factory.SubFactory(EntryFactory)
    from_status = Entry.Status.DRAFT
    to_status = Entry.Status.SUBMITTED


class ScoreSheetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScoreSheet

    entry = factory.SubFactory(EntryFactory)
    judge = factory.SubFactory(JudgeFactory)
    rubric = factory.LazyAttribute(lambda o: o.entry.rubric)


class CriterionScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CriterionScore

    sheet = factory.SubFactory(ScoreSheetFactory)
    criterion = factory.SubFactory(CriterionFactory)
    points = Decimal("10.0")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        score = super()._create(model_class, *args, **kwargs)
        ScoreSheet.objects.filter(pk=score.sheet_id).refresh_totals()  # as scoring.sheets.store_points keeps it
        return score


class RecusalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recusal

    entry = factory.SubFactory(EntryFactory)
    judge = factory.SubFactory(JudgeFactory)
    reason = "同单位"


class SheetAuditFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SheetAudit

    sheet = factory.SubFactory(ScoreSheetFactory)
    action = "submit"


class PlenaryEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlenaryEntry

    entry = factory.SubFactory(EntryFactory)
    edition = factory.SelfAttribute("entry.edition")
    position = factory.Sequence(lambda n: n + 1)


class ResultRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResultRun

    edition = factory.SubFactory(EditionFactory)


class ResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Result

    entry = factory.SubFactory(EntryFactory)
    category = factory.SelfAttribute("entry.category")
    venue = factory.SelfAttribute("entry.venue")


class PublicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Publication

    edition = factory.SubFactory(EditionFactory)
    version = factory.Sequence(lambda n: n + 1)


class PublishedResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PublishedResult

    entry = factory.SubFactory(EntryFactory)
    publication = factory.SubFactory(PublicationFactory, edition=factory.SelfAttribute("..entry.edition"))
    edition = factory.SelfAttribute("entry.edition")
    category = factory.SelfAttribute("entry.category")
    enterprise = factory.SelfAttribute("entry.enterprise")
    code = factory.Sequence(lambda n: f"QC-2021-{n:04d}")
    title = factory.SelfAttribute("entry.title")
    enterprise_name = factory.SelfAttribute("entry.enterprise.name")


class CertificateTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificateTemplate

    edition = factory.SubFactory(EditionFactory)
    issuing_body = "中国质量协会"


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certificate

    entry = factory.SubFactory(EntryFactory)
    edition = factory.SelfAttribute("entry.edition")
    category = factory.SelfAttribute("entry.category")
    publication = factory.SubFactory(PublicationFactory, edition=factory.SelfAttribute("..entry.edition"))
    sequence = factory.Sequence(lambda n: n + 1)
    number = factory.LazyAttribute(lambda c: f"〔2021〕QC-{c.sequence:04d}")
    code = factory.Sequence(lambda n: f"K{n:07d}".replace("0", "Z").replace("1", "Y"))
    grade = "一等奖"
    title = factory.SelfAttribute("entry.title")
    group_name = factory.SelfAttribute("entry.group_name")
    enterprise_name = factory.SelfAttribute("entry.enterprise.name")
    category_name = factory.SelfAttribute("entry.category.name")
    edition_name = factory.SelfAttribute("entry.edition.name")
    issued_on = date(2021, 11, 20)


class CertificateRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificateRun

    publication = factory.SubFactory(PublicationFactory)
    edition = factory.SelfAttribute("publication.edition")


class CertificateArchiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificateArchive

    run = factory.SubFactory(CertificateRunFactory)
    category = factory.SubFactory(CategoryFactory, edition=factory.SelfAttribute("..run.edition"))
    file = factory.django.FileField(filename="certificates.zip", data=b"PK\x05\x06" + b"\x00" * 18)


class EditionStatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EditionStatusChange

    edition = factory.SubFactory(EditionFactory)
    from_status = Edition.Status.DRAFT
    to_status = Edition.Status.OPEN


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEvent

    edition = factory.SubFactory(EditionFactory)
    action = AuditEvent.Action.RESULTS_REQUESTED


class AnnouncementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Announcement

    edition = factory.SubFactory(EditionFactory)
    audience = Announcement.Audience.JUDGES
    subject = factory.Sequence(lambda n: f"评审安排通知{n}")
    body = "请于开幕前半小时到达分会场。"


class AwardListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AwardList

    edition = factory.SubFactory(EditionFactory)


class LoginAttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LoginAttempt

    key = factory.Sequence(lambda n: f"ip:10.0.0.{n % 250}")


class OutboxMessageFactory(factory.django.DjangoModelFactory):
    """An e-mail waiting to be sent."""

    class Meta:
        model = OutboxMessage

    kind = OutboxMessage.Kind.EMAIL
    payload = factory.Sequence(lambda n: {"to": [f"user{n}@example.com"], "subject": "主题", "body": "正文"})


class RecommendationFactory(factory.django.DjangoModelFactory):
    """A link proposed by the unit, pending the enterprise's confirmation."""

    class Meta:
        model = Recommendation

    edition = factory.SubFactory(EditionFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    unit = factory.SubFactory(RecommendingUnitFactory)
    proposed_by_side = Recommendation.Side.UNIT


class DeadlineExtensionFactory(factory.django.DjangoModelFactory):
    """A week past the edition's deadline (or from now, when the edition has none)."""

    class Meta:
        model = DeadlineExtension

    edition = factory.SubFactory(EditionFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    until = factory.LazyAttribute(lambda o: (o.edition.submission_deadline or timezone.now()) + timedelta(days=7))
    reason = "补交材料"


class DeletedDraftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeletedDraft

    edition = factory.SubFactory(EditionFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    unit = factory.SubFactory(RecommendingUnitFactory)
    category_name = "QC小组成果"
    title = factory.Sequence(lambda n: f"删除的草稿{n}")


class InvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation; its link's token is the `token` parameter (only its hash is stored)."""

    class Meta:
        model = Invitation

    class Params:
        token = factory.Sequence(lambda n: f"invitation-token-{n}")

    enterprise = factory.SubFactory(EnterpriseFactory)
    email = factory.Sequence(lambda n: f"invited{n}@example.com")
    token_hash = factory.LazyAttribute(lambda o: hashlib.sha256(o.token.encode()).hexdigest())
    invited_by = None
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class JoinRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JoinRequest

    enterprise = factory.SubFactory(EnterpriseFactory)
    email = factory.Sequence(lambda n: f"asking{n}@example.com")
    full_name = factory.Sequence(lambda n: f"申请人{n}")
    password = factory.LazyFunction(lambda: make_password("correct-horse-battery"))


class PeopleEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PeopleEvent

    enterprise = factory.SubFactory(EnterpriseFactory)
    action = PeopleEvent.Action.INVITED
    email = factory.Sequence(lambda n: f"someone{n}@example.com")


class JudgeProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JudgeProfile

    judge = factory.SubFactory(JudgeFactory)
    speciality = "质量管理"


class DeclarationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Declaration

    edition = factory.SubFactory(EditionFactory)
    judge = factory.SubFactory(JudgeFactory)
