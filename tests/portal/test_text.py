"""Free text cleaned once at input (portal/text.py): the cleaning itself, then every way text comes in (a form, a
model saved by a service, an imported spreadsheet) and every way it goes out (the organisers' workbook, the audit
export, the public award lists) with rows saved dirty before the rule."""

import csv
import io

import openpyxl
import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from events.models import AuditEvent, Category
from portal import spreadsheets
from portal.text import clean_text
from results import award_lists
from results.models import PublishedResult
from submissions import imports
from submissions.models import Entry, Member
from tests import factories
from tests.portal.test_pdf import text_of
from tests.scenarios import entries_workbook, entry_row, published_edition, published_row
from tests.submissions.test_views import entry_post

DIRTY = "\x07提高\u202e装配\u200b合格率\ufeff"


# --- the cleaning ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a\x00b\x07c\x1bd\x7fe", "abcde"),  # C0 controls and DEL
        ("a\x80b\x85c\x9fd", "ab cd"),  # C1 controls (NEL is a line break: a space)
        ("零\u200b宽\u200c连\u200d字\u2060符\ufeff", "零宽连字符"),  # zero-width space/(non-)joiner, word joiner, BOM
        ("soft\u00adhyphen", "softhyphen"),
        ("\u202aa\u202bb\u202cc\u202dd\u202ee", "abcde"),  # bidi embeddings and overrides
        ("\u2066a\u2067b\u2068c\u2069d\u200ee\u200ff\u061cg", "abcdefg"),  # isolates and marks
        ("lone\ud800surrogate\ufffe\uffff", "lonesurrogate"),
        ("a\tb", "a b"),  # one line: a tab is a space
        ("a\nb\r\nc\rd\u2028e\u2029f\x0bg\x0ch", "a b c d e f g h"),  # ...and so is every line break
        ("  \u200b 甲 \u3000", "甲"),  # trimmed, ideographic space included
        ("emoji 👍🏽 ❤️ 한국어 عربى", "emoji 👍🏽 ❤️ 한국어 عربى"),  # letters, marks, variation selectors kept
        ("", ""),
    ],
)
def test_clean_text_drops_controls_and_format_characters_from_one_line(raw, clean):
    assert clean_text(raw) == clean


def test_clean_text_keeps_line_breaks_and_tabs_of_multiline_text_as_newlines():
    raw = "\r\n第一行\x07\r\n\t缩进\u2028第三行\r第四行\x0b\x85第六行\u200b\n\n"
    assert clean_text(raw, multiline=True) == "第一行\n\t缩进\n第三行\n第四行\n\n第六行"


def test_clean_text_leaves_none_alone():
    assert clean_text(None) is None


# --- at input ---------------------------------------------------------------------------------------


@pytest.fixture
def qc(organiser):
    edition = factories.EditionFactory(year=2021)
    edition.organisers.add(organiser)
    return factories.CategoryFactory(edition=edition, code="QC", name="QC小组成果")


def test_an_entry_posted_with_controls_in_its_title_group_and_members_is_stored_clean(client_for, user_a, qc):
    data = entry_post(
        title=DIRTY,
        group_name="精益\tQC\u200d小组\n",
        summary="第一段\x1b\r\n第二段\u202e",
        **{"members-0-name": "王\u200b五\x08", "members-1-name": "\u2066赵六\u2069"},
    )
    response = client_for(user_a).post(reverse("submissions:entry_create", args=[qc.pk]), data)
    entry = Entry.objects.get()
    assert response.status_code == 302
    assert (entry.title, entry.group_name, entry.summary) == ("提高装配合格率", "精益 QC小组", "第一段\n第二段")
    assert list(Member.objects.values_list("name", flat=True).order_by("position")) == ["王五", "赵六"]


def test_a_title_of_invisible_characters_only_is_refused_as_missing(client_for, user_a, qc):
    url = reverse("submissions:entry_create", args=[qc.pk])
    response = client_for(user_a).post(url, entry_post(title="\u200b\x07"))
    assert Entry.objects.count() == 0
    with translation.override("en"):
        assert response.context["form"].errors["title"] == ["This field is required."]


def test_a_form_field_that_keeps_its_spaces_keeps_its_characters():
    class Form(forms.Form):
        name = forms.CharField()
        note = forms.CharField(widget=forms.Textarea)
        password = forms.CharField(strip=False, widget=forms.PasswordInput)

    form = Form({"name": "a\x07\nb", "note": "a\x07\nb", "password": " pa\u200bss\t"})
    assert form.is_valid()
    assert form.cleaned_data == {"name": "a b", "note": "a\nb", "password": " pa\u200bss\t"}


def test_a_model_saved_outside_a_form_is_cleaned_before_it_is_saved(organiser, qc):
    organiser.full_name = "组织\u200b者\x07"
    organiser.set_password("pass\tword")
    organiser.save()
    organiser.refresh_from_db()
    assert organiser.full_name == "组织者"
    assert organiser.check_password("pass\tword")
    event = AuditEvent.objects.create(edition=qc.edition, action="results_requested", reason="理由\x07\r\n第二行\u202e")
    assert AuditEvent.objects.get(pk=event.pk).reason == "理由\n第二行"


def test_an_imported_row_is_stored_clean(qc, organiser, enterprise_a):
    # A workbook cannot hold a control character (openpyxl refuses to write one); format characters it holds.
    row = entry_row(enterprise_a, "提高\u202e装配\u200b合格率\ufeff", members="张\u200b三、李四\u2066,王五")
    report = imports.import_recommendations(upload=entries_workbook([row]), edition=qc.edition, by=organiser)
    assert (report.created, report.errors) == (1, [])
    entry = Entry.objects.get()
    assert entry.title == "提高装配合格率"
    assert list(entry.members.values_list("name", flat=True)) == ["张三", "李四", "王五"]


# --- exports of rows saved dirty before the rule ----------------------------------------------------


def test_the_organisers_entry_workbook_exports_a_row_with_control_characters(client_for, organiser, qc, enterprise_a):
    entry = factories.EntryFactory(category=qc, enterprise=enterprise_a, status=Entry.Status.SUBMITTED)
    factories.MemberFactory(entry=entry, name="张三", is_leader=True)
    Entry.objects.filter(pk=entry.pk).update(title=DIRTY, group_name="小组\x1b\u202e")
    Member.objects.filter(entry=entry).update(name="张\x01三")  # PostgreSQL stores no NUL
    response = client_for(organiser).get(reverse("submissions:review_export"))
    assert response.status_code == 200
    values = [cell for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.values for cell in row]
    assert "提高装配合格率" in values
    assert "小组" in values
    assert not any(isinstance(v, str) and ("\x07" in v or "\u202e" in v or "\x01" in v) for v in values)


def test_the_audit_export_writes_a_reason_with_control_characters(client_for, organiser, qc):
    event = AuditEvent.objects.create(edition=qc.edition, user=organiser, action="results_requested", reason="x")
    AuditEvent.objects.filter(pk=event.pk).update(reason="录入\x07错误\u202e\r\n第二行", target="目标\x1b")
    client = client_for(organiser)
    xlsx = client.get(reverse("results:audit_export", args=[qc.edition.pk, "xlsx"]))
    csv_response = client.get(reverse("results:audit_export", args=[qc.edition.pk, "csv"]))
    assert (xlsx.status_code, csv_response.status_code) == (200, 200)
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.content)).active.values)
    assert (rows[1][3], rows[1][6]) == ("目标", "录入错误\n第二行")
    lines = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8").lstrip("\ufeff"))))
    assert (lines[1][3], lines[1][6]) == ("目标", "录入错误\n第二行")


def test_the_public_award_lists_answer_with_control_characters_in_the_published_rows(db, client):
    edition, publication = published_edition(name="第四十次\x07交流活动", number=40, year=2021)
    category = factories.CategoryFactory(edition=edition, name="QC小组成果", position=1)
    row = published_row(publication, category=category, grade="标杆")
    PublishedResult.objects.filter(pk=row.pk).update(
        title=DIRTY, group_name="\u2067小组\x1b", enterprise_name="企业\x01有限公司"
    )
    type(category).objects.filter(pk=category.pk).update(name="QC\x07小组成果")
    type(edition).objects.filter(pk=edition.pk).update(name="第四十次\x07交流活动")

    xlsx = client.get(reverse("public:award_list_xlsx", args=[edition.pk]))
    assert xlsx.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert workbook.sheetnames == ["汇总", "QC小组成果"]
    data = next(values for values in workbook["QC小组成果"].values if values[1] == row.code)
    assert data[2:5] == ("提高装配合格率", "小组", "企业有限公司")
    listed = client.get(reverse("public:award_list_pdf", args=[edition.pk]))
    assert listed.status_code == 200
    assert "提高装配合格率小组企业有限公司" in text_of(listed.content, 0)
    csv_response = client.get(reverse("public:award_list_csv", args=[edition.pk]))
    assert csv_response.status_code == 200
    line = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8").lstrip("\ufeff"))))[1]
    assert line[0] == "QC小组成果" and line[3:6] == ["提高装配合格率", "小组", "企业有限公司"]
    assert client.get(reverse("public:edition", args=[edition.pk])).status_code == 200


def test_the_organisers_award_list_file_is_written_from_dirty_rows(qc, tmp_path):
    edition = qc.edition
    target = tmp_path / "awards.xlsx"
    type(edition).objects.filter(pk=edition.pk).update(name="活动\x07")
    edition.refresh_from_db()
    award_lists.write_xlsx(edition=edition, target=str(target))
    assert openpyxl.load_workbook(target).sheetnames == ["汇总", "QC小组成果"]


def test_an_imported_csv_cell_is_read_clean():
    data = '名称,备注\r\n甲\u200b\x85乙\t丙\u202e,"第一行\x9b\r\n\t第二行\u2069"\r\n'.encode()
    upload = SimpleUploadedFile("list.csv", data)
    table = spreadsheets.read_table(upload, columns=["名称"], max_rows=10, multiline=["备注"])
    assert table.rows == [(2, {"名称": "甲 乙 丙", "备注": "第一行\n第二行"})]


# --- rows saved before the rule: manage.py clean_text_fields ----------------------------------------


def test_clean_text_fields_cleans_old_rows_and_leaves_a_row_whose_clean_name_is_taken(qc, capsys):
    entry = factories.EntryFactory(category=qc, title="干净的标题")
    Entry.objects.filter(pk=entry.pk).update(title=DIRTY, summary="第一行\x07\r\n第二行")
    twin = factories.CategoryFactory(edition=qc.edition, code="QC2", name="另一个")
    Category.objects.filter(pk=twin.pk).update(name="QC小组成果\u200b")

    call_command("clean_text_fields", "--dry-run")
    assert Entry.objects.get(pk=entry.pk).title == DIRTY
    assert capsys.readouterr().out.splitlines()[-1] == "Would clean 2 rows."

    call_command("clean_text_fields")
    entry.refresh_from_db()
    assert (entry.title, entry.summary) == ("提高装配合格率", "第一行\n第二行")
    assert Category.objects.get(pk=twin.pk).name == "QC小组成果\u200b"
    assert capsys.readouterr().out.splitlines() == [
        "submissions.entry: 1",
        f"events.category {twin.pk}: left as it is, its cleaned text is another row's (rename it)",
        "Cleaned 1 rows.",
    ]
    call_command("clean_text_fields")
    assert capsys.readouterr().out.splitlines() == [
        f"events.category {twin.pk}: left as it is, its cleaned text is another row's (rename it)",
        "Cleaned 0 rows.",
    ]
