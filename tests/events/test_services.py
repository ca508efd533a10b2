from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from events import rubrics, services
from events.builtins import RUBRIC_TEMPLATES
from events.models import AuditEvent, Category, Edition, EditionStatusChange, GradeRule, PanelMember, Rubric, Venue
from scoring.models import CriterionScore, ScoreSheet
from submissions.models import Entry
from tests import factories
from tests.factories import main_association


def rows_of(rubric):
    return [
        {
            "id": c.pk,
            "position": c.position,
            "name": c.name,
            "description": c.description,
            "max_points": c.max_points,
            "breaks_ties": c.breaks_ties,
        }
        for c in rubric.criteria.all()
    ]


def message_of(excinfo) -> list[str]:
    return excinfo.value.messages


# --- rubrics ---------------------------------------------------------------------------------------


def test_create_rubric_from_template_copies_the_table_of_the_domain(edition):
    rubric = rubrics.create_rubric_from_template(edition=edition, key="qc_innovation")

    assert rubric.name == "QC成果发表评审表(创新型)"
    assert rubric.total == Decimal("100")
    assert rubric.standard == "T/CAQ 10201-2020《质量管理小组活动准则》"
    assert list(rubric.criteria.values_list("position", "name", "max_points", "breaks_ties")) == [
        (1, "选题", Decimal("20.0"), True),
        (2, "提出方案并确定最佳方案", Decimal("30.0"), True),
        (3, "对策与实施", Decimal("20.0"), True),
        (4, "效果", Decimal("15.0"), True),
        (5, "成果报告", Decimal("5.0"), False),
        (6, "特点", Decimal("10.0"), False),
    ]


def test_every_builtin_rubric_template_sums_to_100():
    for key, template in RUBRIC_TEMPLATES.items():
        assert sum(maximum for _n, maximum, _t in template["criteria"]) == 100, key


def test_every_builtin_criterion_carries_short_scoring_guidance():
    for key, template in RUBRIC_TEMPLATES.items():
        names = [name for name, _m, _t in template["criteria"]]
        assert list(template["guidance"]) == names, key
        assert all(0 < len(text) <= 60 for text in template["guidance"].values()), key


def test_a_rubric_from_a_template_gives_judges_its_guidance_per_criterion(edition):
    rubric = rubrics.create_rubric_from_template(edition=edition, key="qc_problem_solving")

    described = dict(rubric.criteria.values_list("name", "description"))

    assert described["选题"].startswith("课题来自实际问题，选题理由简洁并有数据")
    assert described == RUBRIC_TEMPLATES["qc_problem_solving"]["guidance"]


def test_create_rubric_from_template_refuses_a_name_already_used(edition):
    rubrics.create_rubric_from_template(edition=edition, key="qc_on_site")

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        rubrics.create_rubric_from_template(edition=edition, key="qc_on_site")

    assert message_of(excinfo) == [
        _("This edition already has a rubric named “%(name)s”. Rename it first or edit it.")
        % {"name": "QC小组现场评审表"}
    ]
    assert edition.rubrics.count() == 1


def test_save_rubric_refuses_maxima_that_do_not_sum_to_the_total(edition):
    rubric = rubrics.create_rubric_from_template(edition=edition, key="brand_story")
    rows = rows_of(rubric)
    rows[0]["max_points"] = Decimal("35")

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        rubrics.save_rubric(rubric=rubric, criteria=rows)

    assert message_of(excinfo) == [
        _("The maxima of the criteria add up to %(sum)s, but the rubric's total is %(total)s.")
        % {"sum": Decimal("95.0"), "total": Decimal("100.0")}
    ]
    assert rubric.criteria.get(position=1).max_points == Decimal("40.0")


def test_save_rubric_swaps_positions_renames_adds_and_removes_criteria(edition):
    rubric = rubrics.create_rubric_from_template(edition=edition, key="brand_story")
    rows = rows_of(rubric)  # 内容 40, 主题与质量关联 20, 表达 25, 时间与台风 15
    rows[0]["position"], rows[1]["position"] = 2, 1
    rows[2]["name"] = "语言表达"
    removed = rows.pop(3)
    rows.append({"position": 4, "name": "时间", "description": "", "max_points": Decimal("10"), "breaks_ties": False})
    rows.append({"position": 5, "name": "台风", "description": "", "max_points": Decimal("5"), "breaks_ties": False})

    rubrics.save_rubric(rubric=rubric, criteria=rows)

    assert list(rubric.criteria.values_list("position", "name", "max_points")) == [
        (1, "主题与质量关联", Decimal("20.0")),
        (2, "内容", Decimal("40.0")),
        (3, "语言表达", Decimal("25.0")),
        (4, "时间", Decimal("10.0")),
        (5, "台风", Decimal("5.0")),
    ]
    assert not rubric.criteria.filter(pk=removed["id"]).exists()


def test_save_rubric_refuses_two_criteria_of_the_same_name(edition):
    rubric = rubrics.create_rubric_from_template(edition=edition, key="brand_story")
    rows = rows_of(rubric)
    rows[1]["name"] = "内容"

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        rubrics.save_rubric(rubric=rubric, criteria=rows)

    assert message_of(excinfo) == [_("Two criteria have the same name.")]


def submitted_sheet_on(rubric, category):
    entry = factories.EntryFactory(category=category, status=Entry.Status.ACCEPTED)
    return factories.ScoreSheetFactory(entry=entry, rubric=rubric, status=ScoreSheet.Status.SUBMITTED)


def test_save_rubric_refuses_to_change_criteria_after_a_submitted_sheet(edition, category):
    rubric = category.rubric
    submitted_sheet_on(rubric, category)
    rows = rows_of(rubric)
    rows[0]["max_points"], rows[1]["max_points"] = Decimal("10"), Decimal("35")

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        rubrics.save_rubric(rubric=rubric, criteria=rows)

    assert message_of(excinfo) == [
        _(
            "Judges have already submitted score sheets on this rubric: its criteria and total can no "
            "longer change. Copy it to a new rubric instead."
        )
    ]
    assert rubric.criteria.get(position=1).max_points == Decimal("15.0")


def test_save_rubric_allows_descriptions_and_name_after_a_submitted_sheet(edition, category):
    rubric = category.rubric
    submitted_sheet_on(rubric, category)
    rows = rows_of(rubric)
    rows[0]["description"] = "选题理由充分"
    rubric.name = "问题解决型评审表"

    rubrics.save_rubric(rubric=rubric, criteria=rows)

    rubric.refresh_from_db()
    assert rubric.name == "问题解决型评审表"
    assert rubric.criteria.get(position=1).description == "选题理由充分"


def test_save_rubric_allows_changes_while_sheets_are_drafts_and_drops_their_removed_scores(edition, category):
    rubric = category.rubric
    entry = factories.EntryFactory(category=category)
    sheet = factories.ScoreSheetFactory(entry=entry, rubric=rubric, status=ScoreSheet.Status.DRAFT)
    last = rubric.criteria.get(position=6)
    factories.CriterionScoreFactory(sheet=sheet, criterion=last, points=Decimal("8"))
    rows = rows_of(rubric)[:5]
    rows[0]["max_points"] = Decimal("25")

    rubrics.save_rubric(rubric=rubric, criteria=rows)

    assert rubric.criteria.count() == 5
    assert CriterionScore.objects.filter(sheet=sheet).count() == 0


def test_copy_rubric_gives_an_editable_copy_of_a_locked_rubric(edition, category):
    submitted_sheet_on(category.rubric, category)

    copy = rubrics.copy_rubric(rubric=category.rubric, name="评审表(修订)")

    assert copy.is_locked is False
    assert list(copy.criteria.values_list("name", "max_points")) == list(
        category.rubric.criteria.values_list("name", "max_points")
    )


def test_delete_rubric_refuses_a_rubric_used_by_a_category(category):
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        rubrics.delete_rubric(rubric=category.rubric)

    assert message_of(excinfo) == [_("A category uses this rubric. Choose another rubric for the category first.")]


# --- editions and categories -----------------------------------------------------------------------


def new_edition(**fields):
    values = {"name": "第41次质量管理小组成果交流活动", "number": 41, "year": 2022, "city": "成都"}
    values.update(fields)
    return Edition(association=main_association(), **values)


def test_create_edition_from_the_builtin_templates(organiser):
    edition = services.create_edition(
        by=organiser, edition=new_edition(), categories=["qc", "trusted_team", "brand_story"]
    )

    assert edition.status == Edition.Status.DRAFT
    assert list(edition.organisers.all()) == [organiser]
    categories = list(edition.categories.order_by("position"))
    assert [(c.position, c.name, c.code, c.kind) for c in categories] == [
        (1, "QC小组成果", "QC", "qc"),
        (2, "质量信得过班组成果", "XD", "trusted_team"),
        (3, "质量品牌故事", "PP", "brand_story"),
    ]
    assert categories[0].rubric.name == "QC成果发表评审表(问题解决型)"
    assert categories[0].innovation_rubric.name == "QC成果发表评审表(创新型)"
    assert categories[2].rubric.name == "质量品牌故事评审表"
    assert categories[2].quota_per_enterprise == 3
    assert list(GradeRule.objects.filter(category__edition=edition).values_list("name", "rule", "value")) == [
        ("标杆", "share", Decimal("0.5000")),
        ("标杆", "share", Decimal("0.6200")),
        ("标杆", "share", Decimal("0.1500")),
    ]
    assert edition.rubrics.count() == 4


def test_create_edition_refuses_a_deadline_before_the_opening(organiser):
    opens = timezone.make_aware(datetime(2022, 6, 1, 9, 0))
    deadline = timezone.make_aware(datetime(2022, 5, 1, 9, 0))

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.create_edition(
            by=organiser, edition=new_edition(submissions_open_at=opens, submission_deadline=deadline)
        )

    assert message_of(excinfo) == [_("The submission deadline must come after the opening.")]
    assert Edition.objects.count() == 0


def test_add_category_from_template_reuses_the_editions_rubric(edition):
    rubric = rubrics.create_rubric_from_template(edition=edition, key="trusted_team")

    category = services.add_category_from_template(edition=edition, key="trusted_team")

    assert category.rubric == rubric
    assert edition.rubrics.count() == 1


def grade(position, name, rule="share", value="0.5", floor=None):
    return {"position": position, "name": name, "rule": rule, "value": Decimal(value), "floor": floor}


def test_save_category_replaces_the_grades(category):
    factories.GradeRuleFactory(category=category, position=1, name="标杆")

    services.save_category(
        category=category,
        grades=[grade(1, "一等奖", value="0.1"), grade(2, "二等奖", value="0.4", floor=Decimal("70"))],
    )

    assert list(category.grade_rules.values_list("position", "name", "value", "floor")) == [
        (1, "一等奖", Decimal("0.1000"), None),
        (2, "二等奖", Decimal("0.4000"), Decimal("70.00")),
    ]


@pytest.mark.parametrize("value", ["1.5", "-0.1"])
def test_save_category_refuses_a_share_outside_0_and_1(category, value):
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.save_category(category=category, grades=[grade(1, "标杆", value=value)])

    assert message_of(excinfo) == [
        _("The share of “%(name)s” must be between 0 and 1 (0.5 is half of the ranked entries).") % {"name": "标杆"}
    ]
    assert category.grade_rules.count() == 0


def test_save_category_refuses_a_fractional_top_n(category):
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.save_category(category=category, grades=[grade(1, "一等奖", rule="top_n", value="2.5")])

    assert message_of(excinfo) == [
        _("The number of entries of “%(name)s” must be a whole number of at least 1.") % {"name": "一等奖"}
    ]


def test_save_category_refuses_a_worse_grade_stricter_than_the_better_one(category):
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.save_category(
            category=category, grades=[grade(1, "一等奖", value="0.4"), grade(2, "二等奖", value="0.1")]
        )

    assert message_of(excinfo) == [
        _("Grades are cumulative: “%(name)s” must admit at least the entries of “%(better)s”, the grade above it.")
        % {"name": "二等奖", "better": "一等奖"}
    ]


def test_save_category_refuses_a_rubric_of_another_edition(category):
    category.rubric = factories.rubric_with_criteria(factories.EditionFactory())

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.save_category(category=category, grades=[])

    assert message_of(excinfo) == [_("A category can only use rubrics of its own edition.")]


def test_save_category_refuses_a_code_used_by_another_category(edition, category):
    other = Category(edition=edition, name="质量信得过班组成果", code="QC", kind=Category.Kind.TRUSTED_TEAM)

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.save_category(category=other, grades=[])

    assert message_of(excinfo) == [_("Another category of this edition has the code “%(code)s”.") % {"code": "QC"}]


def test_save_category_refuses_to_switch_a_rubric_with_sheets_and_names_how_many_it_excludes(edition, category):
    old = category.rubric
    for _n in range(2):
        submitted_sheet_on(old, category)
    factories.ScoreSheetFactory(entry=factories.EntryFactory(category=category), rubric=old)  # a draft
    category.rubric = factories.rubric_with_criteria(edition, name="新评审表")

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.save_category(category=category, grades=[], reason="换用新评审表")

    assert message_of(excinfo) == [
        "3 score sheets of this category's entries were scored on its current rubric: with the new one the results "
        "would leave them out. To switch anyway, tick the confirmation and give the reason."
    ]
    category.refresh_from_db()
    assert category.rubric == old
    assert AuditEvent.objects.count() == 0


def test_save_category_switch_needs_a_reason_besides_the_confirmation(edition, category):
    submitted_sheet_on(category.rubric, category)
    category.rubric = factories.rubric_with_criteria(edition, name="新评审表")

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.save_category(category=category, grades=[], confirm_rubric_switch=True, reason=" ")

    assert message_of(excinfo) == [
        "1 score sheet of this category's entries was scored on its current rubric: with the new one the results "
        "would leave it out. To switch anyway, tick the confirmation and give the reason."
    ]


def test_save_category_switches_a_rubric_with_sheets_when_confirmed_and_audits_the_count(edition, category, organiser):
    old = category.rubric
    submitted_sheet_on(old, category)
    submitted_sheet_on(old, category)
    new = factories.rubric_with_criteria(edition, name="新评审表")
    category.rubric = new

    services.save_category(
        category=category, grades=[], by=organiser, confirm_rubric_switch=True, reason="评审表印错，换用新表"
    )

    category.refresh_from_db()
    assert category.rubric == new
    event = AuditEvent.objects.get()
    assert (event.action, event.user, event.target, event.reason) == (
        AuditEvent.Action.RUBRIC_SWITCHED,
        organiser,
        "QC小组成果",
        "评审表印错，换用新表",
    )
    assert event.old_values == {"rubric": old.name, "innovation_rubric": ""}
    assert event.new_values == {"rubric": "新评审表", "innovation_rubric": "", "excluded_sheets": 2}


def test_save_category_switches_freely_while_no_sheet_is_on_the_rubric(edition, category):
    new = factories.rubric_with_criteria(edition, name="新评审表")
    category.rubric = new

    services.save_category(category=category, grades=[])

    category.refresh_from_db()
    assert category.rubric == new
    assert AuditEvent.objects.count() == 0


def test_save_category_counts_only_the_sheets_an_innovation_rubric_would_exclude(edition, category):
    innovation = factories.rubric_with_criteria(edition, name="创新型评审表")
    category.innovation_rubric = innovation
    category.save()
    problem = factories.EntryFactory(category=category, status=Entry.Status.ACCEPTED)
    factories.ScoreSheetFactory(entry=problem, rubric=category.rubric)
    novel = factories.EntryFactory(category=category, status=Entry.Status.ACCEPTED, topic_type="innovation")
    factories.ScoreSheetFactory(entry=novel, rubric=innovation)
    category.innovation_rubric = factories.rubric_with_criteria(edition, name="新创新型评审表")

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.save_category(category=category, grades=[], reason="x")

    assert message_of(excinfo)[0].startswith("1 score sheet of this category's entries was scored")


def test_delete_category_refuses_a_category_with_entries(category):
    factories.EntryFactory(category=category)

    with pytest.raises(ValidationError):
        services.delete_category(category=category)

    assert Category.objects.filter(pk=category.pk).exists()


# --- venues and panels -----------------------------------------------------------------------------


def test_set_panel_makes_the_judges_the_panel_with_one_leader(venue):
    judges = factories.JudgeFactory.create_batch(3)

    services.set_panel(venue=venue, judges=judges, leader=judges[1])
    services.set_panel(venue=venue, judges=judges[1:], leader=judges[2])

    assert sorted(venue.panel.values_list("judge_id", "is_leader")) == sorted(
        [(judges[1].pk, False), (judges[2].pk, True)]
    )


def test_set_panel_refuses_a_leader_outside_the_panel(venue):
    judges = factories.JudgeFactory.create_batch(2)

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.set_panel(venue=venue, judges=judges[:1], leader=judges[1])

    assert message_of(excinfo) == [_("The panel leader must be one of the panel's judges.")]


def test_set_panel_refuses_a_judge_on_an_overlapping_venue(category):
    judge = factories.JudgeFactory(full_name="张评委")
    morning = factories.VenueFactory(category=category, name="第1分会场", start_time=time(8, 30), end_time=time(12, 0))
    overlapping = factories.VenueFactory(
        category=category, name="第2分会场", start_time=time(11, 0), end_time=time(13, 0)
    )
    services.set_panel(venue=morning, judges=[judge])

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.set_panel(venue=overlapping, judges=[judge])

    assert message_of(excinfo) == [
        _("%(judge)s already sits on %(venue)s at the same time.") % {"judge": "张评委", "venue": "第1分会场"}
    ]
    assert overlapping.panel.count() == 0


def test_set_panel_accepts_a_judge_on_back_to_back_venues(category):
    judge = factories.JudgeFactory()
    morning = factories.VenueFactory(category=category, start_time=time(8, 30), end_time=time(12, 0))
    afternoon = factories.VenueFactory(category=category, start_time=time(12, 0), end_time=time(17, 0))
    other_day = factories.VenueFactory(category=category, date=date(2021, 9, 25), start_time=time(8, 30))
    services.set_panel(venue=morning, judges=[judge])

    services.set_panel(venue=afternoon, judges=[judge])
    services.set_panel(venue=other_day, judges=[judge])

    assert PanelMember.objects.filter(judge=judge).count() == 3


def test_planned_entries_give_the_end_of_the_session(category):
    venue = factories.VenueFactory(
        category=category, start_time=time(8, 30), planned_entries=10, minutes_per_entry=15, minutes_for_comments=5
    )

    assert venue.computed_end_time == time(11, 50)
    assert venue.time_span() == (datetime(2021, 9, 24, 8, 30), datetime(2021, 9, 24, 11, 50))


def test_a_venue_without_an_end_lasts_until_midnight(category):
    venue = factories.VenueFactory(category=category, start_time=time(14, 0))

    assert venue.time_span() == (datetime(2021, 9, 24, 14, 0), datetime(2021, 9, 25, 0, 0))


def test_save_venue_refuses_a_new_time_that_double_books_a_judge(category):
    judge = factories.JudgeFactory(full_name="李评委")
    first = factories.VenueFactory(category=category, name="第1分会场", start_time=time(8, 0), end_time=time(10, 0))
    second = factories.VenueFactory(category=category, name="第2分会场", start_time=time(10, 0), end_time=time(12, 0))
    services.set_panel(venue=first, judges=[judge])
    services.set_panel(venue=second, judges=[judge])
    second.start_time = time(9, 30)

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.save_venue(venue=second)

    assert message_of(excinfo) == [
        _("%(judge)s already sits on %(venue)s at the same time.") % {"judge": "李评委", "venue": "第1分会场"}
    ]
    assert Venue.objects.get(pk=second.pk).start_time == time(10, 0)


def test_set_panel_keeps_a_judge_who_submitted_sheets_in_the_venue(venue):
    judge = factories.JudgeFactory()
    services.set_panel(venue=venue, judges=[judge])
    entry = factories.EntryFactory(category=venue.category, venue=venue, status=Entry.Status.ACCEPTED)
    factories.ScoreSheetFactory(entry=entry, judge=judge, status=ScoreSheet.Status.SUBMITTED)

    with pytest.raises(ValidationError):
        services.set_panel(venue=venue, judges=[])

    assert venue.panel.filter(judge=judge).exists()


def test_delete_venue_refuses_a_venue_with_entries(venue):
    factories.EntryFactory(category=venue.category, venue=venue)

    with pytest.raises(ValidationError):
        services.delete_venue(venue=venue)

    assert Venue.objects.filter(pk=venue.pk).exists()


# --- copying an edition ----------------------------------------------------------------------------


@pytest.fixture
def configured(edition, organiser):
    """The edition with the standard categories, two venues with panels, an entry and a score."""
    for key in ("qc", "brand_story"):
        services.add_category_from_template(edition=edition, key=key)
    qc = edition.categories.get(code="QC")
    judges = factories.JudgeFactory.create_batch(4)
    first = factories.VenueFactory(category=qc, name="第1分会场", planned_entries=12)
    second = factories.VenueFactory(category=qc, name="第2分会场", date=date(2021, 9, 25))
    services.set_panel(venue=first, judges=judges[:3], leader=judges[0])
    services.set_panel(venue=second, judges=judges[3:], leader=judges[3])
    entry = factories.EntryFactory(category=qc, venue=first, status=Entry.Status.ACCEPTED)
    factories.ScoreSheetFactory(entry=entry, judge=judges[0], status=ScoreSheet.Status.SUBMITTED)
    return edition


def test_copy_edition_copies_the_configuration_but_not_entries(configured, organiser):
    copy = services.copy_edition(
        edition=configured, by=organiser, name="第41次质量管理小组成果交流活动", year=2022, number=41
    )

    assert copy.status == Edition.Status.DRAFT
    assert copy.copied_from == configured
    assert list(copy.organisers.all()) == [organiser]
    assert copy.starts_on == date(2022, 9, 23)
    assert list(copy.categories.values_list("name", "code", "rubric__name", "innovation_rubric__name")) == [
        ("QC小组成果", "QC", "QC成果发表评审表(问题解决型)", "QC成果发表评审表(创新型)"),
        ("质量品牌故事", "PP", "质量品牌故事评审表", None),
    ]
    assert Rubric.objects.filter(edition=copy).count() == 3
    assert all(c.rubric.edition_id == copy.pk for c in copy.categories.all())
    assert list(GradeRule.objects.filter(category__edition=copy).values_list("name", "value")) == [
        ("标杆", Decimal("0.5000")),
        ("标杆", Decimal("0.1500")),
    ]
    assert list(copy.venues.order_by("name").values_list("name", "date", "planned_entries", "category__code")) == [
        ("第1分会场", date(2022, 9, 24), 12, "QC"),
        ("第2分会场", date(2022, 9, 25), None, "QC"),
    ]
    assert PanelMember.objects.filter(venue__edition=copy).count() == 0
    assert copy.entries.count() == 0
    assert ScoreSheet.objects.filter(entry__edition=copy).count() == 0
    assert configured.entries.count() == 1


def test_copy_edition_copies_the_panels_when_asked(configured, organiser):
    copy = services.copy_edition(
        edition=configured, by=organiser, name="第41次", year=2022, number=41, include_panels=True
    )

    original = sorted(
        PanelMember.objects.filter(venue__edition=configured).values_list("venue__name", "judge_id", "is_leader")
    )
    copied = sorted(PanelMember.objects.filter(venue__edition=copy).values_list("venue__name", "judge_id", "is_leader"))
    assert copied == original
    assert len(copied) == 4


def test_copy_edition_refuses_a_name_and_year_already_taken(configured, organiser):
    with pytest.raises(ValidationError):
        services.copy_edition(edition=configured, by=organiser, name=configured.name, year=2021, number=41)

    assert Edition.objects.filter(name=configured.name).count() == 1


def test_copy_edition_moves_29_february_to_28_february(edition, organiser):
    edition.starts_on = date(2024, 2, 29)
    edition.ends_on = date(2024, 3, 1)
    edition.year = 2024
    edition.save()

    copy = services.copy_edition(edition=edition, by=organiser, name="下一届", year=2025, number=41)

    assert (copy.starts_on, copy.ends_on) == (date(2025, 2, 28), date(2025, 3, 1))


def test_copy_edition_shifts_every_date_of_the_edition_and_its_venues_by_the_same_years(configured, organiser):
    configured.submissions_open_at = datetime(2021, 3, 1, 9, 0, tzinfo=timezone.get_current_timezone())
    configured.submission_deadline = datetime(2021, 6, 30, 17, 0, tzinfo=timezone.get_current_timezone())
    configured.save()

    copy = services.copy_edition(edition=configured, by=organiser, name="第43次", year=2024, number=43)

    assert (copy.starts_on, copy.ends_on) == (date(2024, 9, 23), date(2024, 9, 25))
    assert timezone.localtime(copy.submissions_open_at).replace(tzinfo=None) == datetime(2024, 3, 1, 9, 0)
    assert timezone.localtime(copy.submission_deadline).replace(tzinfo=None) == datetime(2024, 6, 30, 17, 0)
    assert sorted(copy.venues.values_list("date", flat=True)) == [date(2024, 9, 24), date(2024, 9, 25)]


def test_correcting_the_year_of_a_copy_moves_its_dates_and_venue_days(configured, organiser):
    copy = services.copy_edition(edition=configured, by=organiser, name="第41次", year=2022, number=41)
    deadline = copy.submission_deadline
    copy.year = 2023

    services.update_edition(edition=copy)

    copy.refresh_from_db()
    assert (copy.starts_on, copy.ends_on) == (date(2023, 9, 23), date(2023, 9, 25))
    assert copy.submission_deadline == deadline.replace(year=deadline.year + 1)
    assert sorted(copy.venues.values_list("date", flat=True)) == [date(2023, 9, 24), date(2023, 9, 25)]


def test_correcting_the_year_keeps_a_date_changed_in_the_same_form(configured, organiser):
    copy = services.copy_edition(edition=configured, by=organiser, name="第41次", year=2022, number=41)
    copy.year = 2023
    copy.starts_on = date(2023, 9, 20)

    services.update_edition(edition=copy)

    copy.refresh_from_db()
    assert (copy.starts_on, copy.ends_on) == (date(2023, 9, 20), date(2023, 9, 25))


# --- the status machine ----------------------------------------------------------------------------


def draft_edition(organiser, **fields):
    edition = factories.EditionFactory(status=Edition.Status.DRAFT, **fields)
    edition.organisers.add(organiser)
    return edition


def test_change_status_opens_a_ready_edition_and_logs_it(organiser):
    edition = draft_edition(organiser)
    services.add_category_from_template(edition=edition, key="qc")

    services.change_status(edition=edition, to=Edition.Status.OPEN, by=organiser)

    edition.refresh_from_db()
    assert edition.status == Edition.Status.OPEN
    assert list(EditionStatusChange.objects.values_list("from_status", "to_status", "by")) == [
        ("draft", "open", organiser.pk)
    ]


def test_change_status_refuses_to_open_an_edition_whose_deadline_has_passed(organiser):
    deadline = datetime(2022, 6, 30, 17, 0, tzinfo=timezone.get_current_timezone())
    edition = draft_edition(
        organiser, submissions_open_at=deadline.replace(month=3), submission_deadline=deadline, year=2022
    )
    services.add_category_from_template(edition=edition, key="qc")

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.change_status(edition=edition, to=Edition.Status.OPEN, by=organiser)

    assert message_of(excinfo) == [
        _("The submission deadline (%(deadline)s) has passed: set a deadline in the future.")
        % {"deadline": "2022-06-30 17:00"}
    ]
    edition.refresh_from_db()
    assert edition.status == Edition.Status.DRAFT


def test_change_status_refuses_to_open_without_categories(organiser):
    edition = draft_edition(organiser, submissions_open_at=None)

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.change_status(edition=edition, to=Edition.Status.OPEN, by=organiser)

    assert message_of(excinfo) == [
        _("Add at least one category."),
        _("Set when submissions open and the submission deadline."),
    ]
    edition.refresh_from_db()
    assert edition.status == Edition.Status.DRAFT


def test_change_status_refuses_to_skip_a_step(organiser):
    edition = draft_edition(organiser)

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.change_status(edition=edition, to=Edition.Status.JUDGING, by=organiser)

    assert message_of(excinfo) == [
        _("An edition cannot go from “%(from)s” to “%(to)s”.") % {"from": _("Draft"), "to": _("Judging")}
    ]


def test_change_status_refuses_judging_before_venues_exist(edition, organiser, category):
    edition.status = Edition.Status.CLOSED
    edition.save()

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.change_status(edition=edition, to=Edition.Status.JUDGING, by=organiser)

    assert message_of(excinfo) == [
        _("Add the venues (分会场) and their panels."),
        _("Add a venue for the category “%(name)s”.") % {"name": "QC小组成果"},
    ]


def test_change_status_refuses_judging_before_panels_exist(edition, organiser, venue):
    edition.status = Edition.Status.CLOSED
    edition.save()
    services.set_panel(venue=venue, judges=factories.JudgeFactory.create_batch(2))

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.change_status(edition=edition, to=Edition.Status.JUDGING, by=organiser)

    assert message_of(excinfo) == [
        _("The panel of %(venue)s needs at least %(count)s judges.") % {"venue": "第1分会场", "count": 3},
        _("Choose the panel leader of %(venue)s.") % {"venue": "第1分会场"},
    ]


def test_change_status_starts_judging_with_full_panels(edition, organiser, venue):
    edition.status = Edition.Status.CLOSED
    edition.save()
    judges = factories.JudgeFactory.create_batch(3)
    services.set_panel(venue=venue, judges=judges, leader=judges[0])

    services.change_status(edition=edition, to=Edition.Status.JUDGING, by=organiser)

    edition.refresh_from_db()
    assert edition.status == Edition.Status.JUDGING


def test_change_status_never_publishes_even_with_computed_results(edition, organiser, category):
    edition.status = Edition.Status.JUDGING
    edition.save()
    factories.ResultRunFactory(edition=edition, status="done")
    factories.ResultFactory(entry=factories.EntryFactory(category=category))

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.change_status(edition=edition, to=Edition.Status.PUBLISHED, by=organiser)

    assert message_of(excinfo) == ["An edition cannot go from “Judging” to “Results published”."]
    assert (Edition.objects.get(pk=edition.pk).status, EditionStatusChange.objects.count()) == ("judging", 0)


def test_judging_offers_no_next_status_on_the_dashboard(edition):
    edition.status = Edition.Status.JUDGING

    assert services.next_statuses(edition) == []


def test_record_published_refuses_an_edition_that_is_not_judged(edition, organiser):
    edition.status = Edition.Status.CLOSED
    edition.save()

    with pytest.raises(ValidationError):
        services.record_published(edition=edition, by=organiser)

    assert Edition.objects.get(pk=edition.pk).status == "closed"


@pytest.mark.parametrize("who", ["other_organiser", "user_a", "judge"])
def test_change_status_refuses_a_user_who_does_not_organise_the_edition(request, edition, category, who):
    user = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        services.change_status(edition=edition, to=Edition.Status.CLOSED, by=user)

    assert Edition.objects.get(pk=edition.pk).status == Edition.Status.OPEN


def test_change_status_lets_a_superuser_change_any_edition(edition):
    admin = factories.OrganiserFactory(is_superuser=True)

    services.change_status(edition=edition, to=Edition.Status.CLOSED, by=admin)

    assert Edition.objects.get(pk=edition.pk).status == Edition.Status.CLOSED


def test_days_left_counts_whole_days_to_the_deadline_never_below_zero():
    edition = Edition(submission_deadline=timezone.now() + timedelta(days=270, hours=5))
    assert edition.days_left == 270
    edition.submission_deadline = timezone.now() - timedelta(days=2)
    assert edition.days_left == 0
    edition.submission_deadline = None
    assert edition.days_left is None
