"""The scored demo corpus: the 2021 exchange at its real size, judged, computed and published.

309 QC results in venues 1-7, 115 trusted teams in venues 8-9 and 124 brand stories in venue 10 from 170
fictional enterprises, five submitted sheets per entry (a few with a recused judge), every venue signed off,
results computed and published as version 1 — so the public pages, the award list and the provisional results
show the 2021 shape (about 50% QC benchmarks, 62% trusted teams, 15% stories). Called by `manage.py load_demo`;
running it again changes nothing. Bulk inserts keep it to a few seconds.
"""

import random
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Max
from django.utils import timezone

from events.models import POINTS_STEP, Criterion, Edition, PanelMember
from results.models import ResultRun
from results.publication import publish_results
from results.runs import execute_run
from scoring.models import CriterionScore, Recusal, ScoreSheet
from submissions.models import Enterprise, Entry, Member, Province
from submissions.validators import example_credit_code

ENTRIES_PER_CATEGORY = {"QC": 309, "XD": 115, "PP": 124}
ENTERPRISES = 170
RECUSALS = 6
SEED = 2021

QC_TOPICS = [
    "降低{part}加工不良率",
    "提高{part}装配一次合格率",
    "缩短{part}换型时间",
    "减少{part}返修次数",
    "提升{part}检测效率",
    "研制{part}快速定位工装",
    "降低{part}能耗",
]
PARTS = ["液压阀体", "齿轮箱", "曲轴", "焊接机器人", "电机定子", "轴承套圈", "机床主轴", "驱动桥", "变速箱壳体", "叶轮"]
TEAM_WORDS = ["精益", "匠心", "攻坚", "创新", "卓越", "先锋", "星火", "启航"]
STORY_TOPICS = ["一把尺子的坚守", "零缺陷的承诺", "从追赶到引领", "质量就是生命", "匠心铸品牌", "让客户放心"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚"
INDUSTRY_WORDS = ["重工", "机床", "电机", "液压", "轴承", "汽车零部件", "农机", "仪表", "铸造", "齿轮"]


def _name(rng) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


def credit_codes() -> list[str]:
    """The credit codes of the scored demo's enterprises (demo.guard knows them by these)."""
    return [example_credit_code(1000 + n) for n in range(ENTERPRISES)]


def _enterprises(rng, organiser) -> list[Enterprise]:
    provinces = [p for p in Province.values if p not in {"hong_kong", "macao", "taiwan"}]
    wanted = credit_codes()
    existing = set(Enterprise.objects.filter(credit_code__in=wanted).values_list("credit_code", flat=True))
    Enterprise.objects.bulk_create(
        Enterprise(
            name=f"{_province_prefix(province)}{INDUSTRY_WORDS[n % len(INDUSTRY_WORDS)]}第{n + 1}有限公司",
            credit_code=code,
            province=province,
            industry="机械工业",
            status=Enterprise.Status.APPROVED,
            reviewed_by=organiser,
            reviewed_at=timezone.now(),
        )
        for n, (code, province) in enumerate(zip(wanted, (rng.choice(provinces) for _ in wanted), strict=True))
        if code not in existing
    )
    return list(Enterprise.objects.filter(credit_code__in=wanted).order_by("credit_code"))


PROVINCE_PREFIX = {
    "beijing": "京",
    "tianjin": "津",
    "hebei": "冀",
    "shanxi": "晋",
    "inner_mongolia": "蒙",
    "liaoning": "辽",
    "jilin": "吉",
    "heilongjiang": "黑",
    "shanghai": "沪",
    "jiangsu": "苏",
    "zhejiang": "浙",
    "anhui": "皖",
    "fujian": "闽",
    "jiangxi": "赣",
    "shandong": "鲁",
    "henan": "豫",
    "hubei": "鄂",
    "hunan": "湘",
    "guangdong": "粤",
    "guangxi": "桂",
    "hainan": "琼",
    "chongqing": "渝",
    "sichuan": "川",
    "guizhou": "黔",
    "yunnan": "滇",
    "tibet": "藏",
    "shaanxi": "陕",
    "gansu": "陇",
    "qinghai": "青",
    "ningxia": "宁",
    "xinjiang": "新",
}


def _province_prefix(province: str) -> str:
    return PROVINCE_PREFIX.get(province, "华")


def _unique(title: str, enterprise_id: int, used: set) -> str:
    """A title the enterprise has not used in the edition yet (one entry per title and enterprise)."""
    candidate, n = title, 1
    while (enterprise_id, candidate) in used:
        n += 1
        candidate = f"{title}({n})"
    used.add((enterprise_id, candidate))
    return candidate


def _points(rng, maximum: Decimal, level: float) -> Decimal:
    value = Decimal(str(max(0.0, min(1.0, level + rng.uniform(-0.05, 0.05))))) * maximum
    return value.quantize(POINTS_STEP, rounding=ROUND_HALF_UP)


# The entries (by their number in the category) that the demo enterprise presents, so that its dashboard shows
# published results: the first of the first two QC venues and of the first trusted-team venue.
DEMO_ENTERPRISE_ENTRIES = {"QC": (0, 1), "XD": (0,)}


def load_demo_scores(*, edition: Edition, organiser, demo_enterprise: Enterprise | None = None) -> bool:
    """Create the scored, published demo corpus once; returns False when it is already there. The demo enterprise,
    when given, presents a few of the entries (DEMO_ENTERPRISE_ENTRIES); the fictional enterprises the rest."""
    if Entry.objects.filter(edition=edition, status=Entry.Status.ACCEPTED, venue__isnull=False).exists():
        return False
    rng = random.Random(SEED)
    enterprises = _enterprises(rng, organiser)
    categories = {c.code: c for c in edition.categories.prefetch_related("venues")}
    if set(ENTRIES_PER_CATEGORY) - set(categories):
        return False
    panels: dict[int, list[int]] = {}
    for seat in PanelMember.objects.filter(venue__edition=edition).order_by("-is_leader", "judge_id"):
        panels.setdefault(seat.venue_id, []).append(seat.judge_id)
    leaders = {venue_id: judges[0] for venue_id, judges in panels.items()}

    # Entries, in every venue of their category, with codes and a drawn running order.
    entries = []
    used_titles = set(Entry.objects.filter(edition=edition).values_list("enterprise_id", "title"))
    for code, count in ENTRIES_PER_CATEGORY.items():
        category = categories[code]
        venues = sorted(category.venues.all(), key=lambda v: v.pk)
        start = (
            Entry.objects.filter(edition=edition, code__startswith=f"{code}-{edition.year}-").aggregate(n=Max("code"))[
                "n"
            ]
            or ""
        )
        first_number = int(start.rsplit("-", 1)[-1]) + 1 if start else 1
        orders = {v.pk: 0 for v in venues}
        for n in range(count):
            venue = venues[n % len(venues)]
            orders[venue.pk] += 1
            enterprise = enterprises[rng.randrange(len(enterprises))]
            if demo_enterprise is not None and n in DEMO_ENTERPRISE_ENTRIES.get(code, ()):
                enterprise = demo_enterprise
            fields = {}
            if code == "QC":
                innovation = rng.random() < 0.25
                part = rng.choice(PARTS)
                title = rng.choice(QC_TOPICS).format(part=part)
                fields = {
                    "topic_type": Entry.TopicType.INNOVATION if innovation else Entry.TopicType.PROBLEM_SOLVING,
                    "sub_type": "" if innovation else rng.choice(Entry.SubType.values),
                    "group_name": f"{rng.choice(TEAM_WORDS)}QC小组",
                }
            elif code == "XD":
                title = f"{rng.choice(PARTS)}{rng.choice(['装配', '加工', '检测', '焊接'])}班组质量信得过班组建设"
                fields = {"group_name": f"{rng.choice(TEAM_WORDS)}班组", "workshop": "生产车间"}
            else:
                title = rng.choice(STORY_TOPICS)
            title = _unique(title, enterprise.pk, used_titles)
            fields["presenter"] = _name(rng)
            entries.append(
                Entry(
                    edition=edition,
                    category=category,
                    enterprise=enterprise,
                    code=f"{code}-{edition.year}-{first_number + n:04d}",
                    title=title,
                    status=Entry.Status.ACCEPTED,
                    venue=venue,
                    running_order=orders[venue.pk],
                    publish_report=rng.random() < 0.5,
                    submitted_at=edition.submission_deadline,
                    **fields,
                )
            )
    Entry.objects.bulk_create(entries, batch_size=500)
    entries = list(
        Entry.objects.filter(edition=edition, status=Entry.Status.ACCEPTED, venue__isnull=False).select_related(
            "category"
        )
    )

    Member.objects.bulk_create(
        (
            Member(
                entry=entry,
                position=position,
                name=_name(rng),
                group_role="组长" if position == 0 else "组员",
                is_leader=position == 0,
            )
            for entry in entries
            for position in range(rng.randint(2, 5) if entry.category.code != "PP" else 1)
        ),
        batch_size=1000,
    )

    # A few declared recusals: that judge has no sheet for the entry.
    recused = {}
    for entry in rng.sample(entries, RECUSALS):
        judge_id = panels[entry.venue_id][rng.randrange(1, len(panels[entry.venue_id]))]
        recused[(entry.pk, judge_id)] = True
    Recusal.objects.bulk_create(
        Recusal(
            entry_id=entry_id,
            judge_id=judge_id,
            source=Recusal.Source.ORGANISER,
            reason="评委与该成果申报单位同属一个集团",
            created_by=organiser,
        )
        for entry_id, judge_id in recused
    )

    # Five submitted sheets per entry: a level per entry, a leniency per judge, some noise per criterion.
    criteria: dict[int, list[Criterion]] = {}
    for criterion in Criterion.objects.filter(rubric__edition=edition).order_by("rubric_id", "position"):
        criteria.setdefault(criterion.rubric_id, []).append(criterion)
    leniency = {j: rng.uniform(-0.04, 0.04) for judges in panels.values() for j in judges}
    submitted_at = timezone.make_aware(datetime(2021, 9, 24, 17, 0))
    sheets, plans = [], []
    for entry in entries:
        rubric_id = entry.category.rubric_for(entry.topic_type).pk
        level = rng.uniform(0.68, 0.95)
        for judge_id in panels[entry.venue_id]:
            if (entry.pk, judge_id) in recused:
                continue
            sheets.append(
                ScoreSheet(
                    entry=entry,
                    judge_id=judge_id,
                    rubric_id=rubric_id,
                    status=ScoreSheet.Status.SUBMITTED,
                    submitted_at=submitted_at,
                )
            )
            plans.append((rubric_id, level + leniency[judge_id]))
    ScoreSheet.objects.bulk_create(sheets, batch_size=1000)
    if any(sheet.pk is None for sheet in sheets):  # backends that do not return ids from bulk inserts
        by_key = {
            (s.entry_id, s.judge_id): s.pk
            for s in ScoreSheet.objects.filter(entry__edition=edition).only("pk", "entry_id", "judge_id")
        }
        for sheet in sheets:
            sheet.pk = by_key[(sheet.entry_id, sheet.judge_id)]
    CriterionScore.objects.bulk_create(
        (
            CriterionScore(sheet_id=sheet.pk, criterion=criterion, points=_points(rng, criterion.max_points, level))
            for sheet, (rubric_id, level) in zip(sheets, plans, strict=True)
            for criterion in criteria[rubric_id]
        ),
        batch_size=2000,
    )
    ScoreSheet.objects.filter(entry__edition=edition).refresh_totals()

    # Every venue signed off by its leader; the edition judged; results computed and published.
    signed_off_at = timezone.make_aware(datetime(2021, 9, 24, 18, 0))
    for venue_id, leader in leaders.items():
        edition.venues.filter(pk=venue_id).update(signed_off_at=signed_off_at, signed_off_by_id=leader)
    Edition.objects.filter(pk=edition.pk).update(status=Edition.Status.JUDGING)
    edition.refresh_from_db()
    execute_run(run=ResultRun.objects.create(edition=edition, started_by=organiser))
    publish_results(edition=edition, by=organiser)
    return True
