"""Round trips through a real spreadsheet application (LibreOffice, headless): every export converts to a PDF of the
expected pages with its Chinese text, and a recommendation list and a paper sheet typed in LibreOffice import as
typed. Without LibreOffice (or poppler's pdftotext) on a developer machine these tests skip; with CI=true they fail.
"""

import csv
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from results import audit, award_lists
from scoring import paper_sheets
from scoring.models import ScoreSheet
from submissions import exports, imports
from submissions.models import Entry
from submissions.validators import example_credit_code
from tests import factories
from tests.conftest import need
from tests.scenarios import judged_venue

pytestmark = pytest.mark.django_db

TIMEOUT = 120  # seconds for one soffice call (a first start creates the profile)


@pytest.fixture(scope="session")
def soffice(tmp_path_factory):
    """convert(paths, to, infilter=None) -> the converted files, in one soffice call with a private profile."""
    program = shutil.which("soffice") or shutil.which("libreoffice")
    need("LibreOffice (soffice)", program is not None, "apt-get install libreoffice-calc-nogui")
    profile = tmp_path_factory.mktemp("soffice-profile")

    def convert(paths: list[Path], to: str, *, infilter: str | None = None) -> list[Path]:
        outdir = paths[0].parent / "converted"
        command = [program, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore"]
        if infilter:
            command.append(f"--infilter={infilter}")
        command += ["--convert-to", to, "--outdir", str(outdir), *map(str, paths)]
        subprocess.run(command, check=True, capture_output=True, timeout=TIMEOUT)
        converted = [outdir / f"{path.stem}.{to.split(':')[0]}" for path in paths]
        assert all(path.exists() for path in converted), [path.name for path in converted if not path.exists()]
        return converted

    return convert


def pdf(path: Path) -> tuple[int, str]:
    """(pages, text) of a PDF, read with poppler's pdfinfo and pdftotext."""
    need("pdftotext", shutil.which("pdftotext") is not None, "apt-get install poppler-utils")
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1)), text


# --- every export prints ------------------------------------------------------------------------------------------


def test_every_export_converts_to_a_pdf_of_its_pages_with_its_chinese_text(
    soffice, computed_edition, organiser, tmp_path
):
    edition = computed_edition["edition"]
    factories.SheetAuditFactory(
        sheet=computed_edition["entries"][0].sheets.first(),
        user=organiser,
        action="reopen",
        old_values={"points": {"选题": "10"}, "status": "submitted"},
        new_values={"points": {"选题": "12"}, "status": "draft"},
        reason="评委录入错误",
    )
    files = {
        "award-list": lambda out: award_lists.write_xlsx(edition=edition, target=out),
        "audit": lambda out: out.write(audit.export_xlsx(audit.trail(edition), title=edition.name)),
        "format-review": lambda out: out.write(
            exports.entries_workbook(
                Entry.objects.filter(edition=edition).select_related(
                    "edition", "category", "enterprise", "recommending_unit"
                )
            )
        ),
        "recommendation-template": lambda out: out.write(imports.template_workbook(edition=edition)),
    }
    paths = []
    for name, write in files.items():
        path = tmp_path / f"{name}.xlsx"
        with path.open("wb") as out:
            write(out)
        paths.append(path)

    pages = {}
    for path in soffice(paths, "pdf"):
        pages[path.stem], text = pdf(path)
        pages[path.stem + " text"] = text

    # One page per sheet: the summary and the category's list; the audit; the list; the template and its instructions.
    assert {name: pages[name] for name in files} == {
        "award-list": 2,
        "audit": 1,
        "format-review": 1,
        "recommendation-template": 2,
    }
    entry = computed_edition["entries"][0]
    assert "全部成果排名汇总" in pages["award-list text"]
    assert entry.title in pages["award-list text"]
    assert "评委录入错误" in pages["audit text"]
    assert "选题" in pages["audit text"]
    assert entry.enterprise.credit_code in pages["format-review text"]
    assert "统一社会信用代码" in pages["recommendation-template text"]
    assert "不要合并单元格" in pages["recommendation-template text"]
    for name in files:  # the edition in the header of every page
        assert pages[name + " text"].count(edition.name) >= pages[name], name


# --- lists typed in LibreOffice import as typed -------------------------------------------------------------------


def typed_in_libreoffice(soffice, tmp_path, name, rows, *, text_columns=()) -> SimpleUploadedFile:
    """The rows as LibreOffice stores them when a person types them: digit-only text becomes a number, except in the
    `text_columns` (1-based; a column the template formats as text); a cell may hold line breaks."""
    source = tmp_path / f"{name}.csv"
    with source.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    formats = "/".join(f"{column}/2" for column in text_columns)  # 2: text
    (converted,) = soffice([source], "xlsx:Calc MS Excel 2007 XML", infilter=f"CSV:44,34,76,1,{formats}")
    return SimpleUploadedFile(f"{name}.xlsx", converted.read_bytes())


def digit_only_credit_code() -> str:
    return next(code for code in map(example_credit_code, range(10_000)) if code.isdigit())


def test_a_recommendation_list_typed_in_libreoffice_imports_as_typed(soffice, tmp_path, organiser):
    category = factories.CategoryFactory(code="QC", name="QC小组成果")
    edition = category.edition
    edition.organisers.add(organiser)
    enterprise = factories.EnterpriseFactory(name="杭州甲企业有限公司", credit_code=digit_only_credit_code())
    row = ["1", "QC小组成果", "降低焊接缺陷率", "攻坚QC小组", "问题解决型", "现场型", enterprise.name]
    row += [enterprise.credit_code, "", "张三", "吴杰\n徐丽\n胡强"]
    rows = [imports.COLUMNS, row]
    in_template = typed_in_libreoffice(soffice, tmp_path, "in-template", rows, text_columns=[8])
    as_number = typed_in_libreoffice(soffice, tmp_path, "as-number", rows)

    with translation.override("en"):
        refused = imports.import_recommendations(upload=as_number, edition=edition, by=organiser)
        report = imports.import_recommendations(upload=in_template, edition=edition, by=organiser)

    assert [row for row, _reasons in refused.errors] == [2]
    assert "the cell became a number" in refused.errors[0][1][0]
    assert report.created == 1
    entry = Entry.objects.get()
    assert (entry.title, entry.group_name, entry.topic_type, entry.sub_type, entry.presenter) == (
        "降低焊接缺陷率",
        "攻坚QC小组",
        Entry.TopicType.PROBLEM_SOLVING,
        Entry.SubType.SITE,
        "张三",
    )
    assert entry.enterprise == enterprise
    assert list(entry.members.order_by("position").values_list("name", flat=True)) == ["吴杰", "徐丽", "胡强"]


def test_a_paper_sheet_typed_in_libreoffice_imports_as_typed(soffice, tmp_path):
    setup = judged_venue(judges=1, entries=1)
    entry, judge = setup.entries[0], setup.judges[0]
    criteria = list(entry.rubric.criteria.order_by("position"))
    header = [paper_sheets.COL_VENUE, paper_sheets.COL_CODE, paper_sheets.COL_JUDGE, *(c.name for c in criteria)]
    points = ["12.5", "25", "17", "16", "4", "8"][: len(criteria)]
    rows = [
        [*header, paper_sheets.COL_COMMENT],
        [setup.venue.name, entry.code, judge.email, *points, "数据清楚\n建议推广"],
    ]
    upload = typed_in_libreoffice(soffice, tmp_path, "paper-sheet", rows)

    report = paper_sheets.import_paper_sheets(edition=setup.edition, file=upload, by=setup.organiser)

    assert (report.messages, report.created) == ([], 1)
    sheet = ScoreSheet.objects.get(entry=entry, judge=judge)
    assert sheet.status == ScoreSheet.Status.SUBMITTED
    assert [score.points for score in sheet.scores.order_by("criterion__position")] == [Decimal(p) for p in points]
    assert sheet.comment == "数据清楚\n建议推广"  # the comment keeps its line breaks
