"""Load the demo edition: the 40th exchange of 2021 (Hangzhou) with fictional enterprises and people, run by
中国机械工业质量管理协会 (cmqa); and a provincial association (浙江省质量协会, zhejiang) with a small published
exchange of its own (demo.provincial). Each association has an administrator who sees only its own data; the platform
administrator (a superuser) sees and creates associations.

Running it again changes nothing that exists; it only prints the demo accounts. It refuses a database that holds
real data (demo.guard).
"""

from datetime import date, datetime, time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from demo import provincial
from demo.entries import ENTERPRISES, load_demo_entries
from demo.guard import refuse_real_data
from demo.scores import load_demo_scores
from events.models import Association, AssociationMember, Category, Edition, GradeRule, PanelMember, Venue
from events.rubrics import create_rubric_from_template
from submissions import memberships
from submissions.models import Enterprise, RecommendingUnit
from submissions.validators import example_credit_code

User = get_user_model()

DEMO_PASSWORD = "demo-2021-hz"
EDITION_NAME = "第四十次全国机械工业质量管理小组成果交流活动"
ASSOCIATION = {
    "slug": "cmqa",
    "name": "中国机械工业质量管理协会",
    "short_name": "中机质协",
    "contact_name": "王组织",
    "contact_phone": "010-68594000",
    "contact_email": "organiser@demo.qc",
    "address": "北京市西城区三里河路46号",
}

RECOMMENDERS = [("浙江省机械工业质量管理协会", "zhejiang"), ("重型机械集团质量部", "")]

# (category kind, name, code, rubric templates, grades: (name, share), venues)
CATEGORIES = [
    ("qc", "QC小组成果", "QC", ("qc_problem_solving", "qc_innovation"), [("标杆", "0.50")], 7),
    ("trusted_team", "质量信得过班组成果", "XD", ("trusted_team",), [("标杆", "0.62")], 2),
    ("brand_story", "质量品牌故事", "PP", ("brand_story",), [("标杆", "0.15")], 1),
]
JUDGES_PER_VENUE = 5


class Command(BaseCommand):
    help = "Load the demo edition (the 40th exchange, 2021) and demo accounts for every role."

    def handle(self, *args, **options):
        refuse_real_data("load_demo")
        with transaction.atomic():
            created = self.load()
            load_demo_entries(
                edition=Edition.objects.get(name=EDITION_NAME, year=2021),
                clerk=User.objects.get(email="clerk@demo.qc"),
                organiser=User.objects.get(email="organiser@demo.qc"),
            )
            load_demo_scores(
                edition=Edition.objects.get(name=EDITION_NAME, year=2021),
                organiser=User.objects.get(email="organiser@demo.qc"),
                demo_enterprise=memberships.enterprise_of(User.objects.get(email="clerk@demo.qc")),
            )
            self.load_provincial()
        self.stdout.write(self.style.SUCCESS("Demo edition created." if created else "Demo edition already there."))
        self.print_accounts()

    def user(self, email, full_name, role, *, enterprise=None, recommending_unit=None, is_administrator=None, **extra):
        user = User.objects.filter(email=email).first()
        if user is None:
            user = memberships.create_user(
                email=email,
                password=DEMO_PASSWORD,
                full_name=full_name,
                role=role,
                enterprise=enterprise,
                recommending_unit=recommending_unit,
                is_administrator=enterprise is not None if is_administrator is None else is_administrator,
                **extra,
            )
        return user

    def load(self) -> bool:
        # The platform administrator creates associations; an association's administrator is no superuser, so the
        # demo shows that one association's organisers do not reach another's data.
        self.user("admin@demo.qc", "平台管理员", User.Role.ORGANISER, is_staff=True, is_superuser=True)
        organiser = self.user("organiser@demo.qc", "王组织", User.Role.ORGANISER, is_staff=True)
        if organiser.is_superuser:  # a demo database loaded before there were several associations
            organiser.is_superuser = False
            organiser.save(update_fields=["is_superuser"])
        association, _ = Association.objects.get_or_create(
            slug=ASSOCIATION["slug"], defaults={key: value for key, value in ASSOCIATION.items() if key != "slug"}
        )
        AssociationMember.objects.get_or_create(
            association=association, user=organiser, defaults={"role": AssociationMember.Role.ADMINISTRATOR}
        )
        enterprises = []
        for n, (name, province, group) in enumerate(ENTERPRISES, start=1):
            enterprise, _ = Enterprise.objects.get_or_create(
                credit_code=example_credit_code(n),
                defaults={
                    "name": name,
                    "province": province,
                    "industry": "机械工业",
                    "parent_group": group,
                    "status": Enterprise.Status.APPROVED,
                    "reviewed_by": organiser,
                    "reviewed_at": timezone.now(),
                },
            )
            enterprises.append(enterprise)
        self.user("clerk@demo.qc", "李企业", User.Role.ENTERPRISE, enterprise=enterprises[0])
        # The demo enterprise's second user, a plain member (clerk@demo.qc is its administrator).
        self.user("member@demo.qc", "钱企业", User.Role.ENTERPRISE, enterprise=enterprises[0], is_administrator=False)
        self.user("clerk2@demo.qc", "赵企业", User.Role.ENTERPRISE, enterprise=enterprises[1])
        units = [
            RecommendingUnit.objects.get_or_create(association=association, name=name, defaults={"province": p})[0]
            for name, p in RECOMMENDERS
        ]
        self.user("recommender@demo.qc", "陈推荐", User.Role.RECOMMENDER, recommending_unit=units[0])

        edition, created = Edition.objects.get_or_create(
            association=association,
            name=EDITION_NAME,
            year=2021,
            defaults={
                "number": 40,
                "city": "杭州",
                "starts_on": date(2021, 9, 23),
                "ends_on": date(2021, 9, 25),
                "hosts": "中国机械工业质量管理协会\n中国机械冶金建材工会全国委员会\n中国机械工业职工思想政治工作研究会",
                "notice": "第四十次全国机械工业质量管理小组成果交流活动定于2021年9月23日至25日在杭州举行。"
                "各分会场于24日同时进行成果发表与评审,25日举行大会交流。",
                "submissions_open_at": timezone.make_aware(datetime(2021, 6, 1, 9, 0)),
                "submission_deadline": timezone.make_aware(datetime(2021, 8, 31, 23, 59)),
                "status": Edition.Status.OPEN,
            },
        )
        edition.organisers.add(organiser)
        if not created:
            return False
        judge_number = 0
        venue_number = 0
        for position, (kind, name, code, templates, grades, venue_count) in enumerate(CATEGORIES, start=1):
            rubrics = [create_rubric_from_template(edition=edition, key=key) for key in templates]
            category = Category.objects.create(
                edition=edition,
                kind=kind,
                name=name,
                code=code,
                position=position,
                requires_report=True,
                requires_slides=kind != "brand_story",
                quota_per_enterprise=3 if kind == "brand_story" else None,
                rubric=rubrics[0],
                innovation_rubric=rubrics[1] if len(rubrics) > 1 else None,
            )
            for grade_position, (grade, share) in enumerate(grades, start=1):
                GradeRule.objects.create(
                    category=category, position=grade_position, name=grade, rule="share", value=Decimal(share)
                )
            for _ in range(venue_count):
                venue_number += 1
                venue = Venue.objects.create(
                    edition=edition,
                    category=category,
                    name=f"第{venue_number}分会场",
                    room=f"会议室{100 + venue_number}",
                    date=date(2021, 9, 24),
                    start_time=time(8, 30),
                    minutes_per_entry=15 if kind != "brand_story" else 8,
                    minutes_for_comments=5 if kind != "brand_story" else 2,
                )
                for seat in range(JUDGES_PER_VENUE):
                    judge_number += 1
                    judge = self.user(
                        f"judge{judge_number}@demo.qc",
                        f"评委{judge_number:02d}",
                        User.Role.JUDGE,
                        organisation="中国机械工业质量管理协会专家委员会",
                    )
                    association.judges.add(judge)
                    PanelMember.objects.create(venue=venue, judge=judge, is_leader=seat == 0)
        return True

    def load_provincial(self) -> bool:
        """The second association: its administrator, a pool of three (judge1@demo.qc, in both pools, leads) and
        its small published exchange."""
        administrator = self.user("zj-organiser@demo.qc", "钱浙江", User.Role.ORGANISER, is_staff=True)
        judges = [
            User.objects.get(email="judge1@demo.qc"),
            self.user("zj-judge1@demo.qc", "浙评委01", User.Role.JUDGE, organisation="浙江省质量协会专家组"),
            self.user("zj-judge2@demo.qc", "浙评委02", User.Role.JUDGE, organisation="浙江省质量协会专家组"),
        ]
        association = provincial.load_association(administrator=administrator, judges=judges)
        return provincial.load_provincial_edition(association=association, administrator=administrator, judges=judges)

    def print_accounts(self):
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        rows = [
            ("platform administrator / 平台管理员", "admin@demo.qc"),
            ("organiser, 中机质协 administrator / 组织方", "organiser@demo.qc"),
            ("organiser, 浙江质协 administrator / 组织方", "zj-organiser@demo.qc"),
            ("enterprise administrator / 企业管理员", "clerk@demo.qc"),
            ("enterprise member / 企业成员", "member@demo.qc"),
            ("enterprise / 企业", "clerk2@demo.qc"),
            ("recommending unit / 推荐单位", "recommender@demo.qc"),
            ("panel leader / 评审组长 (第1分会场)", "judge1@demo.qc"),
            ("judge / 评委 (第1分会场)", "judge2@demo.qc"),
        ]
        for role, email in rows:
            self.stdout.write(f"  {role:<36} {email}")
        self.stdout.write("  ... judges judge1@demo.qc to judge50@demo.qc sit on the ten venues, five each.")
        self.stdout.write("  ... judge1@demo.qc is in both pools and leads 浙江质协's venue with zj-judge1/2@demo.qc.")
