"""Built-in rubric templates: the tables of DOMAIN.md section 4, which organisers copy and edit."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

STANDARD = "T/CAQ 10201-2020《质量管理小组活动准则》"

# key -> (name, kind, standard, [(criterion, maximum, breaks ties)], guidance: criterion -> the short scoring guidance
# shown to judges beside the score box and printed on the paper sheets, after T/CAQ 10201-2020's assessment points)
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
        "guidance": {
            "选题": "课题来自实际问题，选题理由简洁并有数据；现状调查找到症结；目标具体、可测量，有设定依据。",
            "原因分析": "针对症结分析，因果关系清楚、逻辑正确，分析到可直接采取对策的末端；逐条用数据确认要因。",
            "对策与实施": "针对要因制定对策，对策表要素（5W1H）齐全；按对策逐条实施，并用数据确认每条对策的效果。",
            "效果": "与目标和活动前的现状对比，用数据说明目标达成；效益计算实事求是；有效措施纳入标准并巩固。",
            "成果报告": "按PDCA程序完整、条理清楚、前后呼应；以图表和数据为主，文字简练、通俗易懂。",
            "特点": "统计方法应用正确、恰当；活动体现小组特色，成果有借鉴和推广价值。",
        },
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
        "guidance": {
            "选题": "课题新颖，需求明确、有必要性；查新与借鉴充分；目标可测量，并经过可行性论证。",
            "提出方案并确定最佳方案": "提出多个总体方案并逐层展开到可实施的方案；用试验和数据对比评价选定最佳方案。",
            "对策与实施": "按最佳方案制定对策表，要素（5W1H）齐全；逐条实施，并用数据确认每条对策达到目标。",
            "效果": "检查课题目标的达成，确认经济与社会效益；创新成果形成标准、图纸、专利等并推广。",
            "成果报告": "按程序完整、条理清楚、前后呼应；以图表和数据为主，文字简练、通俗易懂。",
            "特点": "统计方法应用正确、恰当；成果的创新程度高，有推广价值。",
        },
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
        "guidance": {
            "小组活动的组织": "小组和课题按规定注册登记；成员分工明确，活动按计划定期开展。",
            "活动情况与活动记录": "活动记录完整、真实，原始数据齐全；活动按程序开展，与成果报告一致。",
            "活动真实性与有效性": "现场查验对策实施的实物和记录；效益有财务等部门确认；问询成员，了解活动过程。",
            "成果的维持与巩固": "对策已纳入标准和制度并在现场执行；现场数据显示效果稳定保持。",
            "小组教育": "成员掌握质量管理知识和统计方法，能讲清活动过程；活动提高了成员素质和团队意识。",
        },
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
        "guidance": {
            "班组建设与基础管理": "班组组织健全、职责清楚；制度、标准、记录等基础管理完善并得到执行。",
            "质量改进与创新": "持续开展质量改进和创新活动，方法正确，有数据支撑的改进成果。",
            "质量绩效": "质量指标先进并持续提升，用连续数据和对比说明；顾客或下道工序评价良好。",
            "发表与材料": "材料真实、完整、条理清楚；发表简明，用数据和事实说话，在规定时间内完成。",
        },
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
        "guidance": {
            "内容": "故事真实、具体、有细节，围绕品牌或产品的质量实践展开，有感染力。",
            "主题与质量关联": "主题鲜明，讲清质量管理如何成就品牌和信誉。",
            "表达": "讲述生动流畅、层次清楚；图片、视频等辅助恰当。",
            "时间与台风": "在规定时间内完成；仪态大方自然，与听众有交流。",
        },
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
