"""Built-in rubric templates: the tables of DOMAIN.md section 4, which organisers copy and edit."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

STANDARD = "T/CAQ 10201-2020《质量管理小组活动准则》"

# key -> (name, kind, standard, [(criterion, maximum, breaks ties)])
RUBRIC_TEMPLATES = {
    "qc_problem_solving": {
        "label": _("QC result, problem-solving: presentation review"),
        "name": "QC成果发表评审表(问题解决型)",
        "kind": "problem_solving",
        "standard": STANDARD,
        "criteria": [
            ("选题", 15, True),
            ("原因分析", 30, True),
            ("对策与实施", 20, True),
            ("效果", 20, True),
            ("成果报告", 5, False),
            ("特点", 10, False),
        ],
    },
    "qc_innovation": {
        "label": _("QC result, innovation: presentation review"),
        "name": "QC成果发表评审表(创新型)",
        "kind": "innovation",
        "standard": STANDARD,
        "criteria": [
            ("选题", 20, True),
            ("提出方案并确定最佳方案", 30, True),
            ("对策与实施", 20, True),
            ("效果", 15, True),
            ("成果报告", 5, False),
            ("特点", 10, False),
        ],
    },
    "qc_on_site": {
        "label": _("QC result: on-site review"),
        "name": "QC小组现场评审表",
        "kind": "on_site",
        "standard": STANDARD,
        "criteria": [
            ("小组活动的组织", 10, False),
            ("活动情况与活动记录", 30, True),
            ("活动真实性与有效性", 30, True),
            ("成果的维持与巩固", 20, False),
            ("小组教育", 10, False),
        ],
    },
    "trusted_team": {
        "label": _("Quality-trusted team (organiser's default)"),
        "name": "质量信得过班组成果评审表",
        "kind": "trusted_team",
        "standard": "",
        "criteria": [
            ("班组建设与基础管理", 25, True),
            ("质量改进与创新", 30, True),
            ("质量绩效", 25, True),
            ("发表与材料", 20, False),
        ],
    },
    "brand_story": {
        "label": _("Quality brand story (sensible default)"),
        "name": "质量品牌故事评审表",
        "kind": "brand_story",
        "standard": "",
        "criteria": [
            ("内容", 40, True),
            ("主题与质量关联", 20, True),
            ("表达", 25, True),
            ("时间与台风", 15, False),
        ],
    },
}


# The standard set-up of an edition (DOMAIN.md section 1): the three categories with their rubric templates and
# the benchmark (标杆) shares of the 2021 exchange. key -> fields of the category, "rubrics": (rubric, innovation).
CATEGORY_TEMPLATES = {
    "qc": {
        "label": _("QC-group results (problem-solving and innovation rubrics)"),
        "kind": "qc",
        "name": "QC小组成果",
        "code": "QC",
        "rubrics": ("qc_problem_solving", "qc_innovation"),
        "requires_report": True,
        "requires_slides": True,
        "quota_per_enterprise": None,
        "grades": [("标杆", Decimal("0.50"))],
    },
    "trusted_team": {
        "label": _("Quality-trusted team results"),
        "kind": "trusted_team",
        "name": "质量信得过班组成果",
        "code": "XD",
        "rubrics": ("trusted_team", None),
        "requires_report": True,
        "requires_slides": True,
        "quota_per_enterprise": None,
        "grades": [("标杆", Decimal("0.62"))],
    },
    "brand_story": {
        "label": _("Quality brand stories"),
        "kind": "brand_story",
        "name": "质量品牌故事",
        "code": "PP",
        "rubrics": ("brand_story", None),
        "requires_report": True,
        "requires_slides": False,
        "quota_per_enterprise": 3,
        "grades": [("标杆", Decimal("0.15"))],
    },
}
