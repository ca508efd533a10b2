"""Generate a national-scale edition for benchmarks: by default 20,000 entries in the three standard categories
over 400 venues, 7 judges per venue, every sheet submitted with 6 criterion scores (840,000 criterion scores).

The data is made up but shaped like a real national exchange: enterprises spread over the provinces as China's
machinery industry is (Jiangsu, Zhejiang, Shandong and Guangdong first, Tibet last), a few large groups sending
many entries and most enterprises one or two, 4 to 8 members per group, judges from associations, universities
and enterprises, points that depend on the entry's quality and the judge's leniency.

Recusals are of the two kinds the portal records: an organiser lifted an automatic recusal after review (the
judge then scored), and a tie found after the sheets were in (the panels changed), where the recusal stands and
the results engine leaves that judge's sheet out. So every panel seat has a submitted sheet on every entry of its
venue: entries x judges sheets and 6 criterion scores each, as the benchmarks expect.

Rows go in with PostgreSQL's COPY (bulk_create on other databases). The generator only adds rows: it never reads
or changes another edition (the demo edition stays as it is). The command (`manage.py seed_scale`) checks its
arguments, refuses a database with real data (demo.guard) or the same edition twice, and calls generate().
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext

from demo.bulk import insert
from events.models import Association, Category, Edition, GradeRule, PanelMember, Venue
from events.rubrics import create_rubric, create_rubric_from_template
from scoring.models import CriterionScore, Recusal, ScoreSheet
from submissions.models import Enterprise, Entry, Member, Membership, RecommendingUnit
from submissions.validators import example_credit_code

User = get_user_model()

EDITION_NAME = "全国质量管理小组成果交流活动(规模测试)"
EDITION_YEAR = 2026

# Province, its Chinese name, and its weight in the national spread of machinery enterprises.
PROVINCES = [
    ("jiangsu", "江苏", 120),
    ("zhejiang", "浙江", 100),
    ("shandong", "山东", 100),
    ("guangdong", "广东", 90),
    ("henan", "河南", 60),
    ("hubei", "湖北", 50),
    ("sichuan", "四川", 50),
    ("liaoning", "辽宁", 50),
    ("hebei", "河北", 50),
    ("shanghai", "上海", 40),
    ("anhui", "安徽", 40),
    ("hunan", "湖南", 40),
    ("fujian", "福建", 30),
    ("shaanxi", "陕西", 30),
    ("beijing", "北京", 30),
    ("tianjin", "天津", 30),
    ("chongqing", "重庆", 30),
    ("jilin", "吉林", 20),
    ("heilongjiang", "黑龙江", 20),
    ("jiangxi", "江西", 20),
    ("shanxi", "山西", 20),
    ("guangxi", "广西", 20),
    ("yunnan", "云南", 10),
    ("guizhou", "贵州", 10),
    ("gansu", "甘肃", 10),
    ("inner_mongolia", "内蒙古", 10),
    ("xinjiang", "新疆", 10),
    ("ningxia", "宁夏", 5),
    ("qinghai", "青海", 5),
    ("hainan", "海南", 5),
    ("tibet", "西藏", 2),
]
PLACES = [
    "华东", "江南", "北方", "长江", "岭南", "西部", "齐鲁", "中原", "华北", "东海", "湘江", "闽江", "黄河", "珠江",
    "燕山", "太行", "秦岭", "天山", "昆仑", "泰山", "衡山", "嵩山", "黄山", "庐山", "峨眉", "洞庭", "鄱阳", "太湖",
    "渤海", "南海", "东方", "前进", "红星", "曙光", "新华", "永安", "宏达", "恒信", "远东", "中天",
]  # fmt: skip
PRODUCTS = [
    "重型机械", "精密仪器", "动力装备", "电气设备", "汽车零部件", "轨道交通装备", "工程机械", "农业机械", "机床",
    "船舶配套", "液压件", "轴承", "齿轮", "泵阀", "压缩机", "电机", "变压器", "锅炉", "风电装备", "模具", "铸锻",
    "紧固件", "仪表", "起重机械", "矿山机械", "石化装备", "包装机械", "纺织机械", "印刷机械", "内燃机",
]  # fmt: skip
FORMS = ["有限公司", "股份有限公司", "集团有限公司"]
GROUPS = [
    "重型机械集团", "北方装备集团", "中国动力集团", "东方电气集团", "长江工业集团", "华南汽车集团", "西部装备集团",
    "中原机械集团", "沿海船舶集团", "国家能源装备集团", "通用技术集团", "轨道装备集团",
]  # fmt: skip
VERBS = ["降低", "提高", "缩短", "减少", "提升", "研制", "开发", "攻克"]
OBJECTS = [
    "焊接工序", "装配线", "机加工", "涂装车间", "热处理", "铸造", "冲压", "总装", "检测工位", "仓储物流", "设备维修",
    "齿轮加工", "轴承装配", "电机绕线", "变压器绝缘", "液压阀体", "转子动平衡", "叶片打磨", "管道焊缝", "箱体铸件",
]  # fmt: skip
METRICS = [
    "缺陷率", "返修率", "一次交检合格率", "停机时间", "能耗", "生产周期", "废品率", "漏油率", "尺寸超差率",
    "换型时间", "装配效率", "检测效率",
]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红玉兰海波宁晨浩宇鑫鹏飞博文斌"
ROLES = ["组员", "组员", "组员", "技术员", "质量员", "操作工"]
POSTS = ["工程师", "高级工程师", "技师", "高级技师", "班组长", "质量经理", "车间主任"]
JUDGE_ORGANISATIONS = ["质量协会", "机械工业质量管理协会", "理工大学", "工业大学", "质量技术研究院", "标准化研究院"]

# Categories (kind, name, code, share of the entries, benchmark share); the 2021 exchange's proportions.
CATEGORIES = [
    ("qc", "QC小组成果", "QC", Decimal("0.56"), Decimal("0.50")),
    ("trusted_team", "质量信得过班组成果", "XD", Decimal("0.21"), Decimal("0.62")),
    ("brand_story", "质量品牌故事", "PP", Decimal("0.23"), Decimal("0.15")),
]
# The built-in templates for trusted teams and stories have 4 criteria; the organiser of this edition uses
# 6 for every category (DOMAIN.md: these rubrics are the organiser's), all out of 100.
OWN_RUBRICS = {
    "trusted_team": (
        "质量信得过班组成果评审表(六项)",
        [
            ("班组建设", 15, True),
            ("基础管理", 15, True),
            ("质量改进与创新", 25, True),
            ("质量绩效", 25, True),
            ("发表与材料", 10, False),
            ("特色与推广价值", 10, False),
        ],
    ),
    "brand_story": (
        "质量品牌故事评审表(六项)",
        [
            ("内容真实性", 20, True),
            ("故事性", 20, True),
            ("主题与质量关联", 20, True),
            ("表达", 20, True),
            ("感染力", 10, False),
            ("时间与台风", 10, False),
        ],
    ),
}
STORY_QUOTA = 3
# The first digits of the generated enterprises' credit codes (with the edition's id): "99" is no region's
# code, so no real enterprise has one (demo.guard tells the generator's enterprises by it).
CREDIT_CODE_PREFIX = "9199"


class ScaleError(ValueError):
    """The arguments cannot give the edition asked for (the message says what to give)."""


@dataclass
class Counts:
    enterprises: int = 0
    users: int = 0
    venues: int = 0
    entries: int = 0
    members: int = 0
    sheets: int = 0
    scores: int = 0
    recusals: int = 0


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def split(total: int, shares: list[Decimal]) -> list[int]:
    """Split a whole number by shares so that the parts add up to it exactly (largest remainders)."""
    raw = [Decimal(total) * share / sum(shares) for share in shares]
    parts = [int(value) for value in raw]
    order = sorted(range(len(shares)), key=lambda i: raw[i] - parts[i], reverse=True)
    for index in order[: total - sum(parts)]:
        parts[index] += 1
    return parts


def points_for(rng: random.Random, maximum: Decimal, quality: float) -> Decimal:
    """Points in halves (as judges give them), 0 to the maximum."""
    value = float(maximum) * min(1.0, max(0.3, quality + rng.gauss(0, 0.05)))
    return (Decimal(round(value * 2)) / 2).quantize(Decimal("0.1"))


def scale_association() -> Association:
    """The association of the scale editions: theirs alone, so a scale run never touches another's data."""
    return Association.objects.get_or_create(slug="scale", defaults={"name": "规模测试协会", "short_name": "规模测试"})[
        0
    ]


class Generator:
    """The steps that build a scale edition, in order (generate() calls the others)."""

    def generate(self, *, name, year, entries, venues, judges, enterprises, rng):
        """Add the edition and everything in it; returns (edition, counts). Call it in a transaction."""
        counts = Counts()
        now = timezone.now()
        day = date(year, 9, 24)
        edition = Edition.objects.create(
            association=scale_association(),
            name=name,
            number=year - 1981,
            year=year,
            city="杭州",
            starts_on=day - timedelta(days=1),
            ends_on=day + timedelta(days=1),
            hosts="中国质量协会\n中国机械工业质量管理协会",
            notice="规模测试:全国性成果交流活动,20个省级分会场组。",
            status=Edition.Status.JUDGING,
        )
        tag = f"e{edition.pk}"
        organiser = User(email=f"organiser.{tag}@scale.qc", full_name="规模测试组织方", role=User.Role.ORGANISER)
        organiser.is_staff = True
        organiser.set_unusable_password()
        organiser.save()
        edition.organisers.add(organiser)

        categories = self.categories(edition)
        enterprise_rows = self.enterprises(edition, enterprises, rng, counts)
        units = self.units(rng)

        # Entries per category and venues per category, in the 2021 proportions.
        entry_split = split(entries, [share for _k, _n, _c, share, _b in CATEGORIES])
        venue_split = split(venues, [share for _k, _n, _c, share, _b in CATEGORIES])
        if min(venue_split) < 1:
            venue_split = [max(1, n) for n in venue_split]
            venue_split[0] = venues - sum(venue_split[1:])
        for n_entries, n_venues in zip(entry_split, venue_split, strict=True):
            if n_entries < n_venues:
                raise ScaleError("Give more entries: every venue needs at least one entry.")

        # Enterprises' weights: a few large groups send many entries, most send one or two.
        weights = [1 / (rank + 1) ** 0.9 for rank in range(len(enterprise_rows))]
        rng.shuffle(weights)

        venue_objects: list[tuple[Venue, Category]] = []
        entry_rows: list[dict] = []
        for (category, rubrics), n_entries, n_venues in zip(categories, entry_split, venue_split, strict=True):
            category_venues = self.venues(edition, category, n_venues, day, now)
            counts.venues += len(category_venues)
            venue_objects += [(venue, category) for venue in category_venues]
            entry_rows += self.plan_entries(
                category=category,
                rubrics=rubrics,
                count=n_entries,
                venues=category_venues,
                enterprises=enterprise_rows,
                weights=weights,
                units=units,
                year=year,
                rng=rng,
            )
        entry_ids = self.insert_entries(edition, entry_rows, organiser, now, counts)
        for row, pk in zip(entry_rows, entry_ids, strict=True):
            row["id"] = pk
        self.members(entry_rows, rng, counts)
        panels = self.panels(venue_objects, entry_rows, enterprise_rows, judges, tag, rng, now, counts)
        self.sheets(entry_rows, panels, organiser, rng, now, counts)
        counts.enterprises = len(enterprise_rows)
        counts.users += 1
        return edition, counts

    def categories(self, edition):
        result = []
        for position, (kind, name, code, _share, benchmark) in enumerate(CATEGORIES, start=1):
            if kind == "qc":
                rubrics = (
                    create_rubric_from_template(edition=edition, key="qc_problem_solving"),
                    create_rubric_from_template(edition=edition, key="qc_innovation"),
                )
            else:
                rubric_name, criteria = OWN_RUBRICS[kind]
                rubric = create_rubric(edition=edition, name=rubric_name, kind=kind, criteria=criteria)
                rubrics = (rubric, None)
            category = Category.objects.create(
                edition=edition,
                kind=kind,
                name=name,
                code=code,
                position=position,
                requires_slides=kind != "brand_story",
                quota_per_enterprise=STORY_QUOTA if kind == "brand_story" else None,
                rubric=rubrics[0],
                innovation_rubric=rubrics[1],
            )
            GradeRule.objects.create(category=category, position=1, name="标杆", rule="share", value=benchmark)
            criteria = {
                rubric.pk: list(rubric.criteria.order_by("position").values_list("pk", "max_points"))
                for rubric in rubrics
                if rubric is not None
            }
            result.append((category, {"rubrics": rubrics, "criteria": criteria}))
        return result

    def enterprises(self, edition, count, rng, counts) -> list[dict]:
        provinces = [p for p, _c, _w in PROVINCES]
        province_weights = [w for _p, _c, w in PROVINCES]
        chinese = {p: c for p, c, _w in PROVINCES}
        combos = [(place, product, form) for place in PLACES for product in PRODUCTS for form in FORMS]
        rng.shuffle(combos)
        prefix = f"{CREDIT_CODE_PREFIX}{edition.pk % 10000:04d}"
        rows = []
        for index in range(count):
            province = rng.choices(provinces, province_weights)[0]
            place, product, form = combos[index % len(combos)]
            round_ = index // len(combos)
            name = f"{chinese[province]}{place}{product}{form}" + (f"(第{round_ + 1}分公司)" if round_ else "")
            group = rng.choice(GROUPS) if rng.random() < 0.3 else ""
            rows.append(
                {
                    "name": name,
                    "credit_code": example_credit_code(index, prefix=prefix),
                    "province": province,
                    "industry": "机械工业",
                    "parent_group": group,
                    "product": product,
                }
            )
        ids = insert(
            Enterprise,
            ["name", "credit_code", "province", "industry", "parent_group", "status"],
            [(r["name"], r["credit_code"], r["province"], r["industry"], r["parent_group"], "approved") for r in rows],
            ids=True,
        )
        for row, pk in zip(rows, ids, strict=True):
            row["id"] = pk
        return rows

    def units(self, rng) -> list[int]:
        names = [(f"{c}省质量管理小组活动推进办公室", p) for p, c, _w in PROVINCES] + [
            (f"{g}质量部", "") for g in GROUPS
        ]
        association = scale_association()
        RecommendingUnit.objects.bulk_create(
            [RecommendingUnit(association=association, name=n, province=p) for n, p in names], ignore_conflicts=True
        )
        units = RecommendingUnit.objects.filter(association=association, name__in=[n for n, _p in names])
        return list(units.values_list("pk", flat=True))

    def venues(self, edition, category, count, day, now) -> list[Venue]:
        objects = [
            Venue(
                edition=edition,
                category=category,
                name=f"{category.name}第{number}分会场",
                room=f"{(number - 1) // 20 + 1}号楼{(number - 1) % 20 + 101}室",
                date=day,
                start_time=datetime(2000, 1, 1, 8, 30).time(),
                draw_seed=f"scale-{category.code}-{number}",
            )
            for number in range(1, count + 1)
        ]
        return Venue.objects.bulk_create(objects)

    def plan_entries(self, *, category, rubrics, count, venues, enterprises, weights, units, year, rng):
        capped = category.kind == "brand_story"
        used: dict[int, int] = {}
        chosen = rng.choices(range(len(enterprises)), weights, k=count * 2 if capped else count)
        picks = []
        for index in chosen:
            if capped and used.get(index, 0) >= STORY_QUOTA:
                continue
            used[index] = used.get(index, 0) + 1
            picks.append(index)
            if len(picks) == count:
                break
        if len(picks) < count:  # the weighted draw hit the quota: fill with the enterprises that have room
            room = [index for index in range(len(enterprises)) for _ in range(STORY_QUOTA - used.get(index, 0))]
            if len(room) < count - len(picks):
                raise ScaleError(
                    f"Give more enterprises: {count} brand stories at most {STORY_QUOTA} per enterprise need "
                    f"{-(-count // STORY_QUOTA)} of them."
                )
            rng.shuffle(room)
            picks += room[: count - len(picks)]
        rng.shuffle(picks)
        rows = []
        per_venue = [0] * len(venues)
        for number, enterprise_index in enumerate(picks, start=1):
            enterprise = enterprises[enterprise_index]
            slot = (number - 1) % len(venues)
            per_venue[slot] += 1
            topic = sub_type = ""
            if category.kind == "qc":
                topic = "innovation" if rng.random() < 0.3 else "problem_solving"
                sub_type = "" if topic == "innovation" else rng.choice(["site", "tackle", "management", "service"])
            rubric = rubrics["rubrics"][1] if topic == "innovation" else rubrics["rubrics"][0]
            title = f"{rng.choice(VERBS)}{rng.choice(OBJECTS)}{rng.choice(METRICS)}"
            group_word = {"qc": "QC小组", "trusted_team": "班组", "brand_story": ""}[category.kind]
            rows.append(
                {
                    "category": category,
                    "code": f"{category.code}-{year}-{number:05d}",
                    "title": f"{title}({category.code}{number:05d})",
                    "group_name": f"{enterprise['product']}{rng.choice(OBJECTS)}{group_word}" if group_word else "",
                    "enterprise": enterprise,
                    "unit": rng.choice(units) if units and rng.random() < 0.8 else None,
                    "topic_type": topic,
                    "sub_type": sub_type,
                    "venue": venues[slot],
                    "running_order": per_venue[slot],
                    "rubric": rubric,
                    "criteria": rubrics["criteria"][rubric.pk],
                    "quality": min(0.97, max(0.55, rng.gauss(0.82, 0.07))),
                    "presenter": person(rng),
                }
            )
        for venue, planned in zip(venues, per_venue, strict=True):
            venue.planned_entries = planned
        Venue.objects.bulk_update(venues, ["planned_entries"])
        return rows

    def insert_entries(self, edition, rows, organiser, now, counts) -> list[int]:
        submitted = now - timedelta(days=60)
        ids = insert(
            Entry,
            [
                "edition_id",
                "category_id",
                "enterprise_id",
                "recommending_unit_id",
                "code",
                "title",
                "group_name",
                "topic_type",
                "sub_type",
                "completing_units",
                "presenter",
                "status",
                "venue_id",
                "running_order",
                "submitted_at",
                "publish_report",
            ],
            [
                (
                    edition.pk,
                    r["category"].pk,
                    r["enterprise"]["id"],
                    r["unit"],
                    r["code"],
                    r["title"],
                    r["group_name"],
                    r["topic_type"],
                    r["sub_type"],
                    r["enterprise"]["name"],
                    r["presenter"],
                    Entry.Status.ACCEPTED,
                    r["venue"].pk,
                    r["running_order"],
                    submitted,
                    r["quality"] > 0.85,
                )
                for r in rows
            ],
            ids=True,
        )
        counts.entries = len(ids)
        return ids

    def members(self, entry_rows, rng, counts):
        rows = []
        for entry in entry_rows:
            size = 1 if entry["category"].kind == "brand_story" else rng.randint(4, 8)
            for position in range(size):
                leader = position == 0 and size > 1
                rows.append(
                    (
                        entry["id"],
                        position,
                        entry["presenter"] if position == 0 else person(rng),
                        "组长" if leader else ("讲述人" if size == 1 else rng.choice(ROLES)),
                        rng.choice(POSTS),
                        leader,
                    )
                )
        insert(Member, ["entry_id", "position", "name", "group_role", "post", "is_leader"], rows)
        counts.members = len(rows)

    def panels(self, venue_objects, entry_rows, enterprises, judges, tag, rng, now, counts):
        """Judges (new users) on every venue's panel; about a third of the venues has a judge from an
        enterprise with an entry there, which gives that venue's recusals."""
        by_venue: dict[int, list[dict]] = {}
        for entry in entry_rows:
            by_venue.setdefault(entry["venue"].pk, []).append(entry)
        users, employers = [], []
        for number, (venue, _category) in enumerate(venue_objects, start=1):
            for seat in range(judges):
                enterprise_id = None
                organisation = f"{rng.choice(PROVINCES)[1]}{rng.choice(JUDGE_ORGANISATIONS)}"
                if seat == judges - 1 and rng.random() < 0.35:
                    entry = rng.choice(by_venue[venue.pk])
                    enterprise_id = entry["enterprise"]["id"]
                    organisation = entry["enterprise"]["name"]
                users.append(
                    (
                        f"judge{number}-{seat + 1}.{tag}@scale.qc",
                        person(rng),
                        User.Role.JUDGE,
                        organisation,
                        rng.choice(POSTS),
                        "!",
                        now,
                    )
                )
                employers.append(enterprise_id)
        ids = insert(
            User, ["email", "full_name", "role", "organisation", "title", "password", "date_joined"], users, ids=True
        )
        counts.users += len(ids)
        # The enterprise a judge works for is its membership.
        insert(
            Membership,
            ["user_id", "enterprise_id"],
            [(pk, employer) for pk, employer in zip(ids, employers, strict=True) if employer is not None],
        )
        panels: dict[int, list[tuple[int, int | None]]] = {}
        seats = []
        iterator = iter(zip(ids, employers, strict=True))
        for venue, _category in venue_objects:
            panel = []
            for seat in range(judges):
                pk, employer = next(iterator)
                panel.append((pk, employer))
                seats.append((venue.pk, pk, seat == 0))
            panels[venue.pk] = panel
        insert(PanelMember, ["venue_id", "judge_id", "is_leader"], seats)
        for venue, _category in venue_objects:
            venue.signed_off_at = now
            venue.signed_off_by_id = panels[venue.pk][0][0]
        Venue.objects.bulk_update([v for v, _c in venue_objects], ["signed_off_at", "signed_off_by"], batch_size=500)
        return panels

    def sheets(self, entry_rows, panels, organiser, rng, now, counts):
        """A submitted sheet from every panel seat on every entry of its venue; the recusals."""
        leniency: dict[int, float] = {}
        sheet_rows, plans, recusals = [], [], []
        reason = gettext("The judge works for the entry's enterprise (%(name)s).")
        for entry in entry_rows:
            for judge_id, judge_enterprise in panels[entry["venue"].pk]:
                lenient = leniency.setdefault(judge_id, rng.gauss(0, 0.03))
                sheet_rows.append([entry["id"], judge_id, entry["rubric"].pk, "submitted", "tablet", 2, now, now, now])
                plans.append((entry, entry["quality"] + lenient))
                if judge_enterprise == entry["enterprise"]["id"]:
                    # Half were reviewed and lifted by the organiser; half stand (found after the sheets were in).
                    lifted = rng.random() < 0.5
                    recusals.append(
                        (
                            entry["id"],
                            judge_id,
                            True,
                            Recusal.Source.ENTERPRISE,
                            reason % {"name": entry["enterprise"]["name"]},
                            now if lifted else None,
                            organiser.pk if lifted else None,
                            "该评委所在单位仅为成果的设备供应方,经审核不构成利益关系。" if lifted else "",
                        )
                    )
        # Each sheet's points, and its total kept with them.
        points = []
        for row, (entry, quality) in zip(sheet_rows, plans, strict=True):
            given = [(criterion_id, points_for(rng, maximum, quality)) for criterion_id, maximum in entry["criteria"]]
            row.append(sum((p for _criterion, p in given), Decimal("0.0")))
            points.append(given)
        ids = insert(
            ScoreSheet,
            [
                "entry_id",
                "judge_id",
                "rubric_id",
                "status",
                "source",
                "version",
                "created_at",
                "updated_at",
                "submitted_at",
                "total",
            ],  # fmt: skip
            sheet_rows,
            ids=True,
        )
        counts.sheets = len(ids)
        score_rows = []
        for sheet_id, given in zip(ids, points, strict=True):
            score_rows.extend((sheet_id, criterion_id, p) for criterion_id, p in given)
        insert(CriterionScore, ["sheet_id", "criterion_id", "points"], score_rows)
        counts.scores = len(score_rows)
        insert(
            Recusal,
            ["entry_id", "judge_id", "automatic", "source", "reason", "lifted_at", "lifted_by_id", "lift_reason"],
            recusals,
        )
        counts.recusals = len(recusals)
