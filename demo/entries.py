"""Demo entries of the demo enterprise (clerk@demo.qc) in different states, so a newcomer sees the enterprise side.

Called by `manage.py load_demo`; running it again changes nothing. Accepted entries with venues and scores
belong to the scored demo corpus, not here.
"""

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from events.models import Category, Edition
from submissions import files, memberships
from submissions.models import Entry, EntryFile, EntryTransition, Member

User = get_user_model()

DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

# (category code, title, fields, members (name, role, post, leader), history [(to status, reason)], report?)
ENTRIES = [
    (
        "QC",
        "降低液压阀体加工毛刺返工率",
        {"group_name": "精工QC小组", "topic_type": "problem_solving", "sub_type": "tackle", "presenter": "孙立"},
        [
            ("孙立", "组长", "工艺工程师", True),
            ("周敏", "组员", "质检员", False),
            ("吴强", "组员", "数控操作工", False),
        ],
        [],
        False,
    ),
    (
        "QC",
        "提高齿轮箱装配一次交检合格率",
        {
            "group_name": "攻坚QC小组",
            "topic_type": "problem_solving",
            "sub_type": "site",
            "registration_number": "ZJJX-2021-031",
            "completing_units": "华东重型机械有限公司装配分厂",
            "presenter": "郑华",
        },
        [("郑华", "组长", "装配车间主任", True), ("冯蕾", "组员", "质量工程师", False)],
        [
            ("submitted", ""),
            ("under_review", ""),
            ("returned", "1. 现状调查缺少按缺陷类型的分层数据;\n2. 未上传成果报告单。\n请补充后重新提交。"),
        ],
        True,
    ),
    (
        "XD",
        "焊装一班质量信得过班组建设成果",
        {"group_name": "焊装一班", "workshop": "焊装车间", "team_leader": "何伟", "presenter": "何伟"},
        [("何伟", "班长", "高级技师", True), ("许娜", "组员", "焊工", False)],
        [("submitted", "")],
        True,
    ),
]


# The demo's enterprises (name, province, group), named by load_demo and recognised by demo.guard.
ENTERPRISES = [
    ("华东重型机械有限公司", "zhejiang", "重型机械集团"),
    ("江南精密仪器股份有限公司", "jiangsu", ""),
    ("北方动力装备有限公司", "liaoning", "北方装备集团"),
    ("长江电气设备有限公司", "hubei", ""),
    ("岭南汽车零部件有限公司", "guangdong", ""),
    ("西部轨道交通装备有限公司", "sichuan", "北方装备集团"),
    ("齐鲁工程机械有限公司", "shandong", "重型机械集团"),
    ("中原农业机械有限公司", "henan", ""),
    ("华北机床股份有限公司", "hebei", ""),
    ("东海船舶配套有限公司", "shanghai", ""),
    ("湘江液压件有限公司", "hunan", ""),
    ("闽江轴承有限公司", "fujian", ""),
]


def load_demo_entries(*, edition: Edition, clerk, organiser) -> int:
    """Create the demo enterprise's entries that are missing; return how many were created."""
    categories = {category.code: category for category in Category.objects.filter(edition=edition)}
    created = 0
    for code, title, fields, members, history, with_report in ENTRIES:
        category = categories.get(code)
        if category is None:
            continue
        entry, is_new = Entry.objects.get_or_create(
            edition=edition,
            enterprise=memberships.enterprise_of(clerk),
            title=title,
            defaults={"category": category, "created_by": clerk, **fields},
        )
        if not is_new:
            continue
        created += 1
        Member.objects.bulk_create(
            Member(entry=entry, position=n, name=name, group_role=role, post=post, is_leader=leader)
            for n, (name, role, post, leader) in enumerate(members, start=1)
        )
        if with_report:
            report = EntryFile(
                entry=entry,
                kind=EntryFile.Kind.REPORT,
                original_name=f"{title}.pdf",
                content_type=files.PDF,
                size=len(DEMO_PDF),
                sha256=files.sha256_of(ContentFile(DEMO_PDF)),
                uploaded_by=clerk,
            )
            report.file.save(files.random_name("pdf"), ContentFile(DEMO_PDF), save=False)
            report.save()
        EntryTransition.objects.create(entry=entry, from_status="", to_status=Entry.Status.DRAFT, by=clerk)
        status = Entry.Status.DRAFT
        for to_status, reason in history:
            by = clerk if to_status == Entry.Status.SUBMITTED else organiser
            EntryTransition.objects.create(entry=entry, from_status=status, to_status=to_status, by=by, reason=reason)
            status = to_status
        if history:
            entry.status = status
            entry.submitted_at = edition.submission_deadline
            entry.save(update_fields=["status", "submitted_at"])
    return created
