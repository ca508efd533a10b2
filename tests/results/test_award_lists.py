"""Award lists: the .xlsx workbook, the CSV, the export task and the operators' commands."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from results import award_lists as exports
from results import computation, runs
from results import publication as publishing
from results.models import AwardList, Publication
from tests import factories, scenarios
from tests.portal.test_pdf import text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(organiser):
    """An edition with two categories: QC (4 entries, 标杆 share 0.5) and stories (2 entries, one below minimum)."""
    qc = scenarios.category(grades=[("标杆", "share", "0.5")], name="QC小组成果", code="QC")
    edition = qc.edition
    edition.organisers.add(organiser)
    venue, judges = scenarios.venue(qc, judges=3, signed_off=True, name="第1分会场")
    qc_entries = [
        scenarios.scored_entry(
            venue, judges, [90 - n, 90 - n, 90 - n], code=f"QC-2021-{n + 1:04d}", title=f"课题{n + 1}"
        )
        for n in range(4)
    ]
    stories = scenarios.category(
        edition, grades=[("标杆", "share", "0.15")], name="质量品牌故事", code="PP", position=2
    )
    story_venue, story_judges = scenarios.venue(stories, judges=3, signed_off=True, name="第10分会场")
    scenarios.scored_entry(story_venue, story_judges, [80, 82, 84], code="PP-2021-0001", title="故事一")
    scenarios.scored_entry(story_venue, story_judges[:1], [99], code="PP-2021-0002", title="故事二")
    runs.execute_run(run=factories.ResultRunFactory(edition=edition))
    return edition, qc_entries


def test_xlsx_has_a_sheet_per_category_in_rank_order_and_a_summary(computed, tmp_path):
    edition, qc_entries = computed
    path = tmp_path / "awards.xlsx"

    rows = exports.write_xlsx(edition=edition, target=str(path))

    assert rows == 5  # 4 QC + 1 ranked story
    book = load_workbook(path)
    assert book.sheetnames == ["汇总", "QC小组成果", "质量品牌故事"]
    sheet = book["QC小组成果"]
    assert sheet["A1"].value == f"{edition.name}(未发布) QC小组成果全部成果排名"
    assert sheet["A2"].value == "中国机械工业质量管理协会　暂定结果，未发布"
    assert [c.value for c in sheet[3]] == exports.COLUMNS
    assert sheet["A4"].value == "分会场：第1分会场"  # ranks are per venue
    first = qc_entries[0]
    assert [c.value for c in sheet[5]] == [
        1,
        "QC-2021-0001",
        "课题1",
        first.group_name,
        first.enterprise.name,
        "第1分会场",
        90,
        "标杆",
    ]
    assert sheet["G5"].number_format == "0.00"
    assert [sheet.cell(row=r, column=1).value for r in range(5, 9)] == [1, 2, 3, 4]
    assert [sheet.cell(row=r, column=8).value for r in range(5, 9)] == ["标杆", "标杆", None, None]
    assert (sheet["A1"].font.name, sheet["A3"].font.name, sheet["B5"].font.name) == ("宋体", "宋体", "仿宋")
    assert sheet.freeze_panes == "A4"
    assert sheet.print_title_rows == "$1:$3"
    assert (sheet.page_setup.paperSize, sheet.page_setup.orientation) == (9, "landscape")  # 9 is A4
    assert sheet.column_dimensions["C"].width == 40
    assert {"A1:H1", "A2:H2", "A4:H4"} <= {str(r) for r in sheet.merged_cells.ranges}
    summary = book["汇总"]
    assert [c.value for c in summary[3]] == exports.SUMMARY_COLUMNS
    assert [[c.value for c in row] for row in summary.iter_rows(min_row=4)] == [
        ["QC小组成果", 4, 4, "标杆", 2, 0.5],
        ["质量品牌故事", 2, 1, "标杆", 0, 0],  # 0.15 x 1 = 0.15 -> 0 benchmarks
    ]


def test_csv_is_the_same_list_with_a_byte_order_mark(computed):
    edition, qc_entries = computed
    handle = io.StringIO()

    rows = exports.write_csv(edition=edition, target=handle)

    text = handle.getvalue()
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text[1:])))
    assert rows == 5
    assert lines[0] == exports.CSV_COLUMNS
    assert lines[1] == [
        "QC小组成果",
        "1",
        "QC-2021-0001",
        "课题1",
        qc_entries[0].group_name,
        qc_entries[0].enterprise.name,
        "第1分会场",
        "90.00",
        "标杆",
    ]
    assert [line[2] for line in lines[1:]] == [
        "QC-2021-0001",
        "QC-2021-0002",
        "QC-2021-0003",
        "QC-2021-0004",
        "PP-2021-0001",
    ]


def test_awarded_only_keeps_the_graded_lines_of_the_full_ranking(computed):
    edition, _qc_entries = computed
    full, awarded = io.StringIO(), io.StringIO()
    exports.write_csv(edition=edition, target=full)
    count = exports.write_csv(edition=edition, target=awarded, awarded_only=True)
    full_lines = list(csv.reader(io.StringIO(full.getvalue()[1:])))
    awarded_lines = list(csv.reader(io.StringIO(awarded.getvalue()[1:])))
    graded = [line for line in full_lines[1:] if line[-1]]
    assert [line[2] for line in graded][:2] == ["QC-2021-0001", "QC-2021-0002"]
    assert awarded_lines == [exports.CSV_COLUMNS, *graded]
    assert count == len(graded)


def test_the_public_csv_is_the_awarded_list_of_the_publication_in_bytes(computed, organiser):
    edition, _qc_entries = computed
    publication = publishing.publish_results(edition=edition, by=organiser)
    expected = io.StringIO()
    exports.write_csv(edition=edition, publication=publication, target=expected, awarded_only=True)
    data = exports.public_csv(edition=edition, publication=publication)
    assert data == expected.getvalue().encode("utf-8")
    assert data.startswith("\ufeff类别,排名,成果编号".encode())


def test_venue_scope_lists_each_venue_in_rank_order(organiser):
    category = scenarios.category(grades=[("标杆", "share", "0.5")])
    first, panel1 = scenarios.venue(category, judges=3, name="A分会场")
    second, panel2 = scenarios.venue(category, judges=3, name="B分会场")
    scenarios.scored_entry(second, panel2, [95, 95, 95], code="X-1")
    scenarios.scored_entry(first, panel1, [70, 70, 70], code="X-2")
    scenarios.scored_entry(first, panel1, [80, 80, 80], code="X-3")
    computation.compute_results(category=category)
    handle = io.StringIO()

    exports.write_csv(edition=category.edition, target=handle)

    lines = list(csv.reader(io.StringIO(handle.getvalue()[1:])))[1:]
    assert [(line[1], line[2], line[6]) for line in lines] == [
        ("1", "X-3", "A分会场"),
        ("2", "X-2", "A分会场"),
        ("1", "X-1", "B分会场"),
    ]


def test_published_list_reads_the_frozen_rows(computed, organiser):
    edition, qc_entries = computed
    publication = publishing.publish_results(edition=edition, by=organiser)
    qc_entries[0].title = "发布后改名"
    qc_entries[0].save()
    handle = io.StringIO()

    exports.write_csv(edition=edition, publication=publication, target=handle)

    assert "课题1" in handle.getvalue() and "发布后改名" not in handle.getvalue()


def test_export_task_generates_the_file(computed, organiser, django_capture_on_commit_callbacks):
    edition, _ = computed

    with django_capture_on_commit_callbacks(execute=True):
        award_list = exports.queue_award_list(edition=edition, format=AwardList.Format.XLSX, by=organiser)

    award_list.refresh_from_db()
    assert (award_list.status, award_list.rows, award_list.error) == (AwardList.Status.DONE, 5, "")
    with award_list.file.open("rb") as handle:
        assert load_workbook(handle).sheetnames == ["汇总", "QC小组成果", "质量品牌故事"]


def test_export_failure_is_recorded(computed, monkeypatch):
    edition, _ = computed
    award_list = AwardList.objects.create(edition=edition, format=AwardList.Format.CSV)

    def broken(**kwargs):
        raise OSError("no space left")

    monkeypatch.setattr(exports, "write_csv", broken)
    with pytest.raises(OSError):
        exports.generate_award_list(award_list=award_list)

    award_list.refresh_from_db()
    assert (award_list.status, award_list.error) == (AwardList.Status.FAILED, "OSError: no space left")


def test_export_awards_command_writes_xlsx_and_csv(computed, tmp_path):
    edition, _ = computed
    out = io.StringIO()

    call_command("export_awards", edition.pk, "--output", str(tmp_path / "list.xlsx"), stdout=out)
    call_command("export_awards", edition.pk, "--output", str(tmp_path / "list.csv"), stdout=out)

    assert load_workbook(tmp_path / "list.xlsx")["QC小组成果"]["B5"].value == "QC-2021-0001"
    assert (tmp_path / "list.csv").read_text(encoding="utf-8").count("\n") == 6
    assert "5 ranked entries from the provisional results" in out.getvalue()


def test_export_awards_command_writes_the_award_list_as_pdf(computed, tmp_path):
    edition, _ = computed
    out = io.StringIO()

    call_command("export_awards", edition.pk, "--awarded", "--output", str(tmp_path / "list.pdf"), stdout=out)

    text = text_of((tmp_path / "list.pdf").read_bytes(), 0)
    assert "QC小组成果获奖名单" in text and "QC-2021-0002" in text and "QC-2021-0003" not in text
    assert "2 awarded entries from the provisional results" in out.getvalue()


def test_export_awards_command_refuses_bad_input(computed, tmp_path):
    edition, _ = computed
    with pytest.raises(CommandError):
        call_command("export_awards", edition.pk, "--output", str(tmp_path / "list.docx"))
    with pytest.raises(CommandError):
        call_command("export_awards", 999999, "--output", str(tmp_path / "list.csv"))


def test_compute_results_command_computes_and_reports(organiser):
    category = scenarios.category(grades=[("标杆", "share", "0.5")])
    venue, judges = scenarios.venue(category, judges=3)
    item = scenarios.scored_entry(venue, judges, [85, "84.5", 84])
    out = io.StringIO()

    call_command("compute_results", category.edition.pk, stdout=out)

    assert item.result.final_score == D("84.50")
    assert "1 results, 1 ranked, 1 graded" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("compute_results", 999999)


def test_compute_results_command_carries_out_a_run_waiting_for_a_worker():
    category = scenarios.category()
    venue, judges = scenarios.venue(category, judges=3)
    scenarios.scored_entry(venue, judges, [85, 84, 83])
    waiting = factories.ResultRunFactory(edition=category.edition)

    call_command("compute_results", category.edition.pk, stdout=io.StringIO())

    waiting.refresh_from_db()
    assert waiting.status == "done"
    assert category.edition.result_runs.count() == 1


def test_titles_that_look_like_formulas_stay_text(organiser, tmp_path):
    category = scenarios.category(grades=[("标杆", "share", "1")])
    venue, judges = scenarios.venue(category, judges=3)
    scenarios.scored_entry(venue, judges, [80, 80, 80], code="X-1", title='=HYPERLINK("http://evil","点我")')
    scenarios.scored_entry(venue, judges, [70, 70, 70], code="X-2", title="-2+3", group_name="@SUM(A1)")
    computation.compute_results(category=category)

    exports.write_xlsx(edition=category.edition, target=str(tmp_path / "list.xlsx"))
    handle = io.StringIO()
    exports.write_csv(edition=category.edition, target=handle)

    sheet = load_workbook(tmp_path / "list.xlsx")[category.name[:28]]
    assert (sheet["C5"].value, sheet["C5"].data_type) == ('=HYPERLINK("http://evil","点我")', "s")
    assert sheet["C6"].data_type == "s"
    lines = list(csv.reader(io.StringIO(handle.getvalue()[1:])))
    assert lines[1][3] == '\'=HYPERLINK("http://evil","点我")'
    assert (lines[2][3], lines[2][4]) == ("'-2+3", "'@SUM(A1)")


def test_publication_queues_the_public_awarded_only_lists(computed, organiser, django_capture_on_commit_callbacks):
    edition, _ = computed
    with django_capture_on_commit_callbacks(execute=True):
        publication = publishing.publish_results(edition=edition, by=organiser)

    lists = AwardList.objects.filter(publication=publication)
    assert sorted(lists.values_list("format", "awarded_only", "status")) == [
        ("csv", False, "done"),
        ("csv", True, "done"),
        ("pdf", True, "done"),
        ("xlsx", False, "done"),
        ("xlsx", True, "done"),
    ]
    public_csv = lists.get(format="csv", awarded_only=True)
    with public_csv.file.open("rb") as handle:
        assert handle.read() == exports.public_csv(edition=edition, publication=publication)
    assert public_csv.rows == exports.public_rows(publication)
    assert public_csv.file.name.endswith(f"-v1-public-{public_csv.pk}.csv")
    assert exports.stored_public_list(publication, "csv") == public_csv
    assert exports.stored_public_list(publication, "xlsx") == lists.get(format="xlsx", awarded_only=True)


def test_provisional_award_lists_queue_no_public_list(computed, organiser, django_capture_on_commit_callbacks):
    edition, _ = computed
    with django_capture_on_commit_callbacks(execute=True):
        queued = exports.queue_award_lists(edition=edition, by=organiser)
    assert [(a.format, a.awarded_only) for a in queued] == [("xlsx", False), ("csv", False)]


# --- the award list as the association issues it ----------------------------------------------------


@pytest.fixture
def issued(organiser, django_capture_on_commit_callbacks):
    """A hand-made edition, published under a notice: QC results ranked per venue (一等奖 the best quarter, 二等奖
    the next quarter, in each of two venues of four) and trusted teams ranked across the category (标杆 half of four).
    """
    qc = scenarios.category(
        grades=[("一等奖", "share", "0.25"), ("二等奖", "share", "0.5")], name="QC小组成果", code="QC", position=1
    )
    edition = qc.edition
    edition.name = "第四十次交流活动"
    edition.save()
    edition.organisers.add(organiser)
    for venue_name, prefix, scores in (("第1分会场", "A", [95, 90, 85, 80]), ("第2分会场", "B", [94, 89, 84, 79])):
        venue, judges = scenarios.venue(qc, judges=3, signed_off=True, name=venue_name)
        for n, points in enumerate(scores, start=1):
            scenarios.scored_entry(venue, judges, [points] * 3, code=f"{prefix}-{n}", title=f"课题{prefix}{n}")
    teams = scenarios.category(
        edition, grades=[("标杆", "share", "0.5")], scope="category", name="质量信得过班组成果", code="TT", position=2
    )
    venue, judges = scenarios.venue(teams, judges=3, signed_off=True, name="第3分会场")
    for n, points in enumerate([88, 86, 84, 82], start=1):
        scenarios.scored_entry(venue, judges, [points] * 3, code=f"T-{n}", title=f"班组{n}")
    runs.execute_run(run=factories.ResultRunFactory(edition=edition))
    with django_capture_on_commit_callbacks(execute=True):
        publication = publishing.publish_results(
            edition=edition, by=organiser, document_number="中机质协〔2021〕25号", document_date=date(2021, 10, 8)
        )
    return edition, publication


ISSUED_QC = [
    ["一等奖"],
    ["分会场：第1分会场"],
    [1, "A-1", "课题A1", "第1分会场", 95, "一等奖"],
    ["分会场：第2分会场"],
    [1, "B-1", "课题B1", "第2分会场", 94, "一等奖"],
    ["二等奖"],
    ["分会场：第1分会场"],
    [2, "A-2", "课题A2", "第1分会场", 90, "二等奖"],
    ["分会场：第2分会场"],
    [2, "B-2", "课题B2", "第2分会场", 89, "二等奖"],
]
ISSUED_TEAMS = [["标杆"], [1, "T-1", "班组1", "第3分会场", 88, "标杆"], [2, "T-2", "班组2", "第3分会场", 86, "标杆"]]


def _listed(sheet):
    """The rows under the column headings: a heading as [its text], an entry as [rank, code, title, venue, score,
    grade] (group and enterprise left out)."""
    lines = []
    for row in sheet.iter_rows(min_row=4, values_only=True):
        if row[1] is None:
            assert set(row[1:]) == {None}
            lines.append([row[0]])
        else:
            rank, code, title, _group, _enterprise, venue, score, grade = row
            lines.append([rank, code, title, venue, score, grade])
    return lines


def test_the_award_list_holds_the_awarded_entries_by_category_grade_venue_and_rank(issued, tmp_path):
    edition, publication = issued
    path = tmp_path / "获奖名单.xlsx"

    rows = exports.write_xlsx(edition=edition, publication=publication, target=str(path), awarded_only=True)

    assert rows == 6
    book = load_workbook(path)
    assert book.sheetnames == ["汇总", "QC小组成果", "质量信得过班组成果"]
    qc = book["QC小组成果"]
    assert qc["A1"].value == "第四十次交流活动 QC小组成果获奖名单"
    assert qc["A2"].value == "中国机械工业质量管理协会　文号：中机质协〔2021〕25号　日期：2021年10月8日"  # the issuer
    assert [c.value for c in qc[3]] == exports.COLUMNS
    assert _listed(qc) == ISSUED_QC
    assert _listed(book["质量信得过班组成果"]) == ISSUED_TEAMS  # ranked across the category: no venue headings
    assert (qc["A1"].font.name, qc["A1"].font.b, qc["A4"].font.name, qc["B6"].font.name) == (
        "宋体",
        True,
        "宋体",
        "仿宋",
    )
    assert qc.print_title_rows == "$1:$3"
    assert (qc.page_setup.paperSize, qc.page_setup.fitToWidth, qc.sheet_properties.pageSetUpPr.fitToPage) == (
        9,
        1,
        True,
    )
    assert qc.oddHeader.center.text == "第四十次交流活动"
    assert "&P" in qc.oddFooter.center.text and "&N" in qc.oddFooter.center.text
    summary = book["汇总"]
    assert summary["A1"].value == "第四十次交流活动 获奖名单汇总"
    assert [[c.value for c in row] for row in summary.iter_rows(min_row=4)] == [
        ["QC小组成果", 8, 8, "一等奖", 2, 0.25],
        ["QC小组成果", 8, 8, "二等奖", 2, 0.25],
        ["质量信得过班组成果", 4, 4, "标杆", 2, 0.5],
    ]


def test_the_award_list_pdf_holds_the_same_rows_in_the_same_order(issued):
    edition, publication = issued
    out = io.BytesIO()

    rows = exports.write_pdf(edition=edition, publication=publication, target=out, awarded_only=True)

    data = out.getvalue()
    assert rows == 6
    first, second = text_of(data, 0), text_of(data, 1)
    # the running header, with the edition's association
    assert first.startswith("第四十次交流活动中国机械工业质量管理协会文号：中机质协〔2021〕25号日期：2021年10月8日")
    assert "第四十次交流活动QC小组成果获奖名单" in first
    assert "排名成果编号课题名称小组名称申报单位分会场最终得分等级" in first
    expected = ["一等奖", "分会场：第1分会场", "A-1", "分会场：第2分会场", "B-1"]
    expected += ["二等奖", "分会场：第1分会场", "A-2", "分会场：第2分会场", "B-2"]
    positions = [first.find(text, first.find(expected[i - 1]) + 1 if i else 0) for i, text in enumerate(expected)]
    assert -1 not in positions and positions == sorted(positions)
    for absent in ("A-3", "B-4", "T-1"):
        assert absent not in first
    assert first.endswith("第1页共2页")
    assert "质量信得过班组成果获奖名单" in second and "标杆" in second and "分会场：" not in second
    assert second.index("T-1") < second.index("T-2") and "T-3" not in second
    assert second.endswith("第2页共2页")


def test_a_long_award_list_repeats_the_table_heading_on_every_page():
    edition, publication = scenarios.published_edition(name="第四十次交流活动")
    category = factories.CategoryFactory(edition=edition, name="QC小组成果", ranking_scope="category")
    for rank in range(1, 61):
        scenarios.published_row(publication, category=category, rank=rank, grade="标杆", title=f"课题{rank:02d}")
    out = io.BytesIO()

    exports.write_pdf(edition=edition, publication=publication, target=out, awarded_only=True)

    pages = len(PdfReader(io.BytesIO(out.getvalue())).pages)
    assert pages >= 3
    for page in range(pages):
        text = text_of(out.getvalue(), page)
        assert "排名成果编号课题名称" in text, page
        assert text.endswith(f"第{page + 1}页共{pages}页")
    assert "课题60" in text_of(out.getvalue(), pages - 1)


def test_the_full_ranking_lists_every_ranked_entry_and_is_named_as_such(issued, tmp_path):
    edition, publication = issued
    path = tmp_path / "全部成果排名.xlsx"

    rows = exports.write_xlsx(edition=edition, publication=publication, target=str(path))

    assert rows == 12
    sheet = load_workbook(path)["QC小组成果"]
    assert sheet["A1"].value == "第四十次交流活动 QC小组成果全部成果排名"
    assert [line[:2] for line in _listed(sheet)] == [
        ["分会场：第1分会场"],
        [1, "A-1"],
        [2, "A-2"],
        [3, "A-3"],
        [4, "A-4"],
        ["分会场：第2分会场"],
        [1, "B-1"],
        [2, "B-2"],
        [3, "B-3"],
        [4, "B-4"],
    ]


def test_lists_are_downloaded_under_chinese_names():
    edition, publication = scenarios.published_edition(name="第四十次交流活动", version=2)
    assert exports.download_name(edition=edition, publication=publication, awarded_only=True, extension="pdf") == (
        "第四十次交流活动获奖名单(第2版).pdf"
    )
    assert exports.download_name(edition=edition, publication=None, awarded_only=False, extension="xlsx") == (
        "第四十次交流活动全部成果排名(暂定).xlsx"
    )


def test_the_publication_date_stands_when_no_document_date_is_given():
    _edition, publication = scenarios.published_edition()
    Publication.objects.filter(pk=publication.pk).update(published_at=datetime(2021, 9, 30, 4, tzinfo=UTC))
    publication.refresh_from_db()
    assert exports.document_line(publication) == "日期：2021年9月30日"


def test_the_document_line_names_the_issuing_association_first():
    _edition, publication = scenarios.published_edition()
    Publication.objects.filter(pk=publication.pk).update(published_at=datetime(2021, 9, 30, 4, tzinfo=UTC))
    publication.refresh_from_db()
    assert exports.document_line(publication, issuer="浙江省质量协会") == "浙江省质量协会　日期：2021年9月30日"
    assert exports.document_line(None, issuer="浙江省质量协会") == "浙江省质量协会　暂定结果，未发布"
