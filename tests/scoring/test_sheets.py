"""scoring.sheets: typing points, drafts, submitting and reopening a sheet."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from scoring import progress, sheets
from scoring.models import CriterionScore, ScoreSheet, SheetAudit
from tests import factories
from tests.scenarios import FULL, judged_venue, raw, submitted_sheet, total_of, values_for_total

pytestmark = pytest.mark.django_db


# --- points -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("17.5", Decimal("17.5")), ("0", Decimal("0.0")), ("20", Decimal("20.0")), (" 3.0 ", Decimal("3.0"))],
)
def test_parse_points_accepts_one_decimal_place_up_to_the_maximum(typed, expected):
    assert sheets.parse_points(typed, maximum=Decimal("20")) == expected


@pytest.mark.parametrize(
    ("typed", "code", "message"),
    [
        ("17.55", "decimals", "17.55 has more than one decimal place; use at most one, e.g. 17.5."),
        ("-1", "negative", "Points cannot be negative."),
        ("20.5", "above_max", "At most 20 points."),
        ("abc", "not_a_number", "Enter a number, e.g. 17.5."),
        ("NaN", "not_a_number", "Enter a number, e.g. 17.5."),
        ("Infinity", "not_a_number", "Enter a number, e.g. 17.5."),
        ("1e1", "not_a_number", "Enter a number, e.g. 17.5."),
    ],
)
def test_parse_points_refuses_bad_values_with_a_clear_message(typed, code, message):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        sheets.parse_points(typed, maximum=Decimal("20"))
    assert error.value.code == code
    assert error.value.messages == [message]


def test_submit_sheet_stores_the_points_and_locks_the_sheet():
    setup = judged_venue()
    judge, entry = setup.judges[1], setup.entries[0]
    sheet = submitted_sheet(setup, judge, entry, comment="  思路清晰 ")
    assert sheet.status == ScoreSheet.Status.SUBMITTED
    assert sheet.comment == "思路清晰"
    assert sheet.source == ScoreSheet.Source.TABLET
    assert total_of(sheet) == Decimal("82.5")
    assert [s.points for s in sheet.scores.order_by("criterion__position")] == [
        Decimal(v).quantize(Decimal("0.1")) for v in FULL
    ]
    audit = SheetAudit.objects.get(sheet=sheet)
    assert audit.action == "submit"
    assert audit.user == judge
    assert audit.new_values["points"]["原因分析"] == "25.0"
    assert audit.new_values["status"] == "submitted"


def test_submit_sheet_refuses_a_second_submit():
    setup = judged_venue()
    judge, entry = setup.judges[1], setup.entries[0]
    sheet = submitted_sheet(setup, judge, entry)
    with pytest.raises(ValidationError) as error:
        sheets.submit_sheet(sheet=sheet, by=judge, raw=raw(setup.criteria, FULL), version=sheet.version)
    assert error.value.code == "locked"


def test_submit_sheet_refuses_a_stale_version():
    setup = judged_venue()
    judge, entry = setup.judges[1], setup.entries[0]
    sheet = sheets.open_sheet(entry=entry, judge=judge)
    sheets.save_draft(sheet=sheet, by=judge, raw={setup.criteria[0].pk: "10"}, version=1)
    with pytest.raises(ValidationError) as error:
        sheets.submit_sheet(sheet=sheet, by=judge, raw=raw(setup.criteria, FULL), version=1)
    assert error.value.code == "stale"
    sheet.refresh_from_db()
    assert sheet.status == ScoreSheet.Status.DRAFT
    assert sheet.version == 2


def test_submit_sheet_refuses_missing_and_bad_points_naming_each_criterion():
    setup = judged_venue()
    judge, entry = setup.judges[1], setup.entries[0]
    sheet = sheets.open_sheet(entry=entry, judge=judge)
    typed = raw(setup.criteria, ["", "31", "17.55", "-2", "x", "5"])
    with translation.override("en"), pytest.raises(ValidationError) as error:
        sheets.submit_sheet(sheet=sheet, by=judge, raw=typed, version=sheet.version)
    c = setup.criteria
    assert error.value.message_dict == {
        str(c[0].pk): ["Give points for 选题."],
        str(c[1].pk): ["At most 30 points."],
        str(c[2].pk): ["17.55 has more than one decimal place; use at most one, e.g. 17.5."],
        str(c[3].pk): ["Points cannot be negative."],
        str(c[4].pk): ["Enter a number, e.g. 17.5."],
    }
    assert CriterionScore.objects.count() == 0
    assert ScoreSheet.objects.get().status == ScoreSheet.Status.DRAFT


def test_save_draft_keeps_partial_points_and_counts_versions():
    setup = judged_venue()
    judge, entry = setup.judges[1], setup.entries[0]
    sheet = sheets.open_sheet(entry=entry, judge=judge)
    sheet = sheets.save_draft(sheet=sheet, by=judge, raw={setup.criteria[0].pk: "14.5"}, comment="a", version=1)
    assert sheet.version == 2
    assert list(sheet.scores.values_list("points", flat=True)) == [Decimal("14.5")]
    # Saving the same values again changes nothing and writes no audit row.
    sheet = sheets.save_draft(sheet=sheet, by=judge, raw={setup.criteria[0].pk: "14.5"}, comment="a", version=2)
    assert sheet.version == 2
    assert SheetAudit.objects.filter(sheet=sheet, action="draft").count() == 1
    # Clearing a value removes it.
    sheet = sheets.save_draft(sheet=sheet, by=judge, raw={setup.criteria[0].pk: ""}, comment="a", version=2)
    assert sheet.scores.count() == 0
    assert sheet.version == 3


def test_open_sheet_refuses_a_judge_of_another_venue():
    setup = judged_venue()
    other = judged_venue(category=setup.category)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        sheets.open_sheet(entry=other.entries[0], judge=setup.judges[1])
    assert error.value.messages == ["You are not on the panel of this entry's venue."]
    assert ScoreSheet.objects.count() == 0


def test_save_draft_refuses_another_judges_sheet():
    setup = judged_venue()
    sheet = sheets.open_sheet(entry=setup.entries[0], judge=setup.judges[1])
    with pytest.raises(ValidationError):
        sheets.save_draft(sheet=sheet, by=setup.judges[2], raw={}, version=sheet.version)


def test_submit_sheet_refuses_after_sign_off():
    setup = judged_venue()
    sheet = sheets.open_sheet(entry=setup.entries[0], judge=setup.judges[1])
    setup.venue.signed_off_at = timezone.now()
    setup.venue.signed_off_by = setup.leader
    setup.venue.save()
    with translation.override("en"), pytest.raises(ValidationError) as error:
        sheets.submit_sheet(sheet=sheet, by=setup.judges[1], raw=raw(setup.criteria, FULL), version=1)
    assert "signed off" in error.value.messages[0]
    assert ScoreSheet.objects.get().status == ScoreSheet.Status.DRAFT


# --- reopening ------------------------------------------------------------------------------------


def test_reopen_sheet_by_the_leader_with_a_reason():
    setup = judged_venue()
    sheet = submitted_sheet(setup, setup.judges[1], setup.entries[0])
    sheet = sheets.reopen_sheet(sheet=sheet, by=setup.leader, reason="选题分数抄错")
    assert sheet.status == ScoreSheet.Status.DRAFT
    audit = SheetAudit.objects.filter(sheet=sheet).last()
    assert (audit.action, audit.user, audit.reason) == ("reopen", setup.leader, "选题分数抄错")
    assert audit.old_values["status"] == "submitted"
    assert audit.new_values["status"] == "draft"
    # The judge can now change and submit again.
    sheets.submit_sheet(
        sheet=sheet, by=setup.judges[1], raw=raw(setup.criteria, values_for_total("90")), version=sheet.version
    )
    assert total_of(ScoreSheet.objects.get(pk=sheet.pk)) == Decimal("90.0")


def test_reopen_sheet_refuses_a_plain_judge_and_a_missing_reason():
    setup = judged_venue()
    sheet = submitted_sheet(setup, setup.judges[1], setup.entries[0])
    with pytest.raises(ValidationError):
        sheets.reopen_sheet(sheet=sheet, by=setup.judges[2], reason="想改")
    with pytest.raises(ValidationError):
        sheets.reopen_sheet(sheet=sheet, by=setup.leader, reason="   ")
    assert ScoreSheet.objects.get(pk=sheet.pk).status == ScoreSheet.Status.SUBMITTED


def test_reopen_after_sign_off_needs_an_organiser_and_reopens_the_venue():
    setup = judged_venue(judges=2, entries=1)
    for judge in setup.judges:
        submitted_sheet(setup, judge, setup.entries[0])
    progress.sign_off_venue(venue=setup.venue, by=setup.leader)
    sheet = ScoreSheet.objects.get(judge=setup.judges[1])
    with pytest.raises(ValidationError):
        sheets.reopen_sheet(sheet=sheet, by=setup.leader, reason="改分")
    sheets.reopen_sheet(sheet=sheet, by=setup.organiser, reason="评审组长申请改分")
    setup.venue.refresh_from_db()
    assert setup.venue.signed_off_at is None
    assert ScoreSheet.objects.get(pk=sheet.pk).status == ScoreSheet.Status.DRAFT
    assert list(SheetAudit.objects.filter(action="venue_reopened").values_list("reason", flat=True)) == [
        "评审组长申请改分",
        "评审组长申请改分",
    ]


def test_organiser_of_another_edition_cannot_reopen():
    setup = judged_venue()
    sheet = submitted_sheet(setup, setup.judges[1], setup.entries[0])
    stranger = factories.OrganiserFactory()
    with pytest.raises(ValidationError):
        sheets.reopen_sheet(sheet=sheet, by=stranger, reason="x")


def test_open_sheet_creates_no_sheet_in_a_signed_off_venue():
    setup = judged_venue(judges=1, entries=1)
    setup.venue.signed_off_at = timezone.now()
    setup.venue.save()
    with pytest.raises(ValidationError):
        sheets.open_sheet(entry=setup.entries[0], judge=setup.judges[0])
    assert ScoreSheet.objects.count() == 0


def test_a_comment_is_bounded_and_an_unchanged_one_is_not_copied_into_the_audit():
    setup = judged_venue()
    judge, entry = setup.judges[1], setup.entries[0]
    sheet = sheets.open_sheet(entry=entry, judge=judge)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        sheets.save_draft(sheet=sheet, by=judge, raw={}, comment="评" * 2001, version=1)
    assert error.value.message_dict == {"comment": ["The comment can have at most 2000 characters; this one has 2001."]}
    long = "评" * 2000
    sheet = sheets.save_draft(sheet=sheet, by=judge, raw={setup.criteria[0].pk: "12"}, comment=long, version=1)
    sheet = sheets.save_draft(sheet=sheet, by=judge, raw={setup.criteria[0].pk: "13"}, comment=long, version=2)
    sheet = sheets.submit_sheet(sheet=sheet, by=judge, raw=raw(setup.criteria, FULL), comment=long, version=3)
    first, second, submitted = SheetAudit.objects.filter(sheet=sheet).order_by("pk")
    assert (first.old_values["comment"], first.new_values["comment"]) == ("", long)
    crit = setup.criteria[0].name
    assert (second.old_values, second.new_values) == (
        {"points": {crit: "12.0"}, "status": "draft"},
        {"points": {crit: "13.0"}, "status": "draft"},
    )
    assert "comment" not in submitted.old_values and "comment" not in submitted.new_values
    assert sheet.comment == long


def test_a_draft_resent_after_its_answer_was_lost_is_no_conflict():
    setup = judged_venue()
    judge, entry = setup.judges[1], setup.entries[0]
    sheet = sheets.open_sheet(entry=entry, judge=judge)
    typed = {setup.criteria[0].pk: "12", setup.criteria[1].pk: "20"}
    sheet = sheets.save_draft(sheet=sheet, by=judge, raw=typed, comment="好", version=1)
    again = sheets.save_draft(sheet=sheet, by=judge, raw=typed, comment="好", version=1)  # the same, on version 1
    assert (again.version, SheetAudit.objects.filter(sheet=sheet).count()) == (2, 1)
    with pytest.raises(ValidationError) as error:
        sheets.save_draft(sheet=sheet, by=judge, raw={setup.criteria[0].pk: "13"}, comment="好", version=1)
    assert error.value.code == "stale"
