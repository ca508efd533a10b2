"""Hostile input: disguised files, zip bombs, oversized uploads, formula injection, XSS, CSRF and SQL metacharacters.

Each is refused with a clear message (nothing saved) or neutralised (stored and shown as harmless text).
"""

import csv
import io
import re
import struct
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import translation
from django.utils.html import escape

from events.models import Edition
from results import award_lists as exports
from submissions.memberships import enterprise_of
from submissions.models import Entry, EntryFile
from tests import factories
from tests.portal.html_scan import inline_code
from tests.portal.url_walk import ARGUMENTS, named_patterns
from tests.scenarios import build_world

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
NOT_A_PDF = "This file is not a PDF file (its content was checked, not its name)."
NOT_A_PPTX = "This file is not a PDF、PPTX file (its content was checked, not its name)."
BOMB = "This file unpacks to far more data than a document holds; it is refused."


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


# --- files -----------------------------------------------------------------------------------------


def _pptx(extra=None, *, parts=True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if parts:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("ppt/presentation.xml", "<p:presentation/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _zeros_member(archive, name, megabytes):
    with archive.open(name, "w", force_zip64=True) as member:
        chunk = b"\0" * (1024 * 1024)
        for _ in range(megabytes):
            member.write(chunk)


def _bomb(megabytes=200) -> bytes:
    """A real presentation skeleton plus a member of zeros: small file, large uncompressed size."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<p:presentation/>")
        _zeros_member(archive, "ppt/media/image1.bin", megabytes)
    return buffer.getvalue()


def _lying_bomb() -> bytes:
    """The same bomb with its sizes rewritten to 1 KB in both headers: it declares little and unpacks to much."""
    data = bytearray(_bomb(50))
    declared = 1024
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("ppt/media/image1.bin")
    local = info.header_offset
    # Local header: the uncompressed size sits at offset 22 (or in the zip64 extra field).
    name_length, extra_length = struct.unpack("<HH", data[local + 26 : local + 30])
    extra_at = local + 30 + name_length
    _rewrite_zip64(data, extra_at, extra_length, local + 22, declared)
    central = data.rfind(b"PK\x01\x02", 0, data.find(b"PK\x05\x06"))
    while central != -1:
        name_length, extra_length = struct.unpack("<HH", data[central + 28 : central + 32])
        name = bytes(data[central + 46 : central + 46 + name_length])
        if name == b"ppt/media/image1.bin":
            _rewrite_zip64(data, central + 46 + name_length, extra_length, central + 24, declared)
            break
        central = data.rfind(b"PK\x01\x02", 0, central)
    return bytes(data)


def _rewrite_zip64(data, extra_at, extra_length, size_at, declared):
    if struct.unpack("<I", data[size_at : size_at + 4])[0] != 0xFFFFFFFF:
        data[size_at : size_at + 4] = struct.pack("<I", declared)
        return
    end = extra_at + extra_length
    while extra_at < end:
        tag, length = struct.unpack("<HH", data[extra_at : extra_at + 4])
        if tag == 1:  # zip64: the uncompressed size comes first
            data[extra_at + 4 : extra_at + 12] = struct.pack("<Q", declared)
            return
        extra_at += 4 + length


@pytest.fixture
def draft(db, user_a):
    category = factories.CategoryFactory(edition=factories.EditionFactory(status=Edition.Status.OPEN))
    return factories.EntryFactory(category=category, enterprise=enterprise_of(user_a))


def _upload(client, entry, kind, name, data):
    url = reverse("submissions:file_upload", args=[entry.pk])
    response = client.post(url, {"kind": kind, "file": SimpleUploadedFile(name, data)}, follow=True)
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize(
    "kind,name,data,message",
    [
        ("report", "report.pdf", EXE, NOT_A_PDF),
        ("report", "report.pdf", b"<html><!-- %PDF-1.4 --><script>alert(document.cookie)</script></html>", NOT_A_PDF),
        ("report", "report.pdf", b"<svg onload=alert(1)>%PDF-1.7", NOT_A_PDF),
        ("report", "report.pdf", _pptx(), NOT_A_PDF),
        ("slides", "slides.pptx", _pptx({"word/document.xml": "<w/>"}, parts=False), NOT_A_PPTX),
        ("slides", "slides.pptx", b"PK\x03\x04 not really a zip", NOT_A_PPTX),
        ("slides", "slides.pptx", EXE, NOT_A_PPTX),
    ],
    ids=[
        "exe-as-pdf",
        "html-hiding-a-pdf-marker",
        "svg-hiding-a-pdf-marker",
        "pptx-as-pdf",
        "zip-without-parts",
        "broken-zip",
        "exe-as-pptx",
    ],
)
def test_upload_of_a_disguised_file_is_refused_and_nothing_is_saved(client, user_a, draft, kind, name, data, message):
    client.force_login(user_a)
    assert _upload(client, draft, kind, name, data) == [message]
    assert EntryFile.objects.filter(entry=draft).count() == 0


def test_upload_of_a_zip_bomb_as_pptx_is_refused(client, user_a, draft):
    bomb = _bomb(200)
    assert len(bomb) < 1024 * 1024
    client.force_login(user_a)
    assert _upload(client, draft, "slides", "slides.pptx", bomb) == [BOMB]
    assert EntryFile.objects.filter(entry=draft).count() == 0


def test_upload_of_a_zip_bomb_that_declares_small_sizes_is_refused(client, user_a, draft):
    bomb = _lying_bomb()
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        assert sum(member.file_size for member in archive.infolist()) < 2048
    client.force_login(user_a)
    assert _upload(client, draft, "slides", "slides.pptx", bomb) == [NOT_A_PPTX]
    assert EntryFile.objects.filter(entry=draft).count() == 0


def test_upload_of_a_huge_declared_size_is_refused_unread(client, user_a, draft):
    data = bytearray(_pptx({"ppt/media/a.bin": b"x" * 100}))
    central = data.find(b"PK\x01\x02")
    while central != -1:  # every member of the central directory claims 3 GB
        data[central + 24 : central + 28] = struct.pack("<I", 3 * 1024 * 1024 * 1024)
        name_length, extra_length, comment_length = struct.unpack("<HHH", data[central + 28 : central + 34])
        central = data.find(b"PK\x01\x02", central + 46 + name_length + extra_length + comment_length)
    client.force_login(user_a)
    assert _upload(client, draft, "slides", "slides.pptx", bytes(data)) == [BOMB]
    assert EntryFile.objects.filter(entry=draft).count() == 0


def test_pdf_followed_by_html_is_stored_and_served_as_a_pdf_attachment(client, user_a, draft):
    polyglot = PDF + b"<html><script>alert(document.cookie)</script></html>"
    client.force_login(user_a)
    assert _upload(client, draft, "report", "report.html", polyglot) == ["report.html is uploaded."]
    stored = EntryFile.objects.get(entry=draft)
    assert (stored.content_type, stored.file.name.endswith(".pdf")) == ("application/pdf", True)
    response = client.get(reverse("submissions:file_download", args=[stored.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_published_report_is_served_as_a_pdf_with_nosniff(client, db):
    world = build_world()
    response = client.get(reverse("public:entry_report", args=[world.published_entry.pk]))
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_upload_over_the_limit_is_refused(client, settings, user_a, draft):
    settings.UPLOAD_MAX_MB = 1
    client.force_login(user_a)
    big = PDF + b"0" * (1024 * 1024)
    assert _upload(client, draft, "report", "report.pdf", big) == ["The file is 1.0 MB; the limit is 1 MB."]
    assert EntryFile.objects.filter(entry=draft).count() == 0


def test_recommendation_list_over_the_limit_is_refused(client, settings, organiser):
    settings.UPLOAD_MAX_MB = 1
    edition = factories.EditionFactory(status=Edition.Status.OPEN)
    edition.organisers.add(organiser)
    client.force_login(organiser)
    big = b"PK\x03\x04" + b"0" * (1024 * 1024 + 10)
    response = client.post(
        reverse("submissions:recommendation_upload"),
        {"edition": edition.pk, "file": SimpleUploadedFile("list.xlsx", big)},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["The file is 1.0 MB; the limit is 1 MB."]
    assert Entry.objects.count() == 0


# --- formula injection -------------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(1,1)", "=1+1"]


def test_entry_export_keeps_formula_like_titles_as_text(client, organiser):
    category = factories.CategoryFactory()
    category.edition.organisers.add(organiser)
    for index, title in enumerate(FORMULAS):
        factories.EntryFactory(category=category, title=title, group_name=title, code=f"QC-{index}")
    client.force_login(organiser)
    response = client.get(reverse("submissions:review_export"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = {row[0].value: (row[3], row[4]) for row in sheet.iter_rows(min_row=2)}
    for index, title in enumerate(FORMULAS):
        title_cell, group_cell = cells[f"QC-{index}"]
        assert (title_cell.value, title_cell.data_type) == (title, "s")
        assert (group_cell.value, group_cell.data_type) == (title, "s")


@pytest.fixture
def formula_edition(db):
    edition = factories.EditionFactory(status=Edition.Status.PUBLISHED)
    publication = factories.PublicationFactory(edition=edition, version=1)
    category = factories.CategoryFactory(edition=edition, name="=cmd|'/c calc'!A1")
    for index, title in enumerate(FORMULAS):
        entry = factories.EntryFactory(
            category=category,
            title=title,
            group_name=title,
            enterprise=factories.EnterpriseFactory(name=f"{title}有限公司"),
            status=Entry.Status.ACCEPTED,
            code=f"QC-{index}",
        )
        factories.PublishedResultFactory(
            publication=publication,
            entry=entry,
            code=f"QC-{index}",
            venue_name="@venue",
            final_score=Decimal("90.00") - index,
            rank=index + 1,
            grade="=标杆",
            grade_position=1,
        )
    return edition


def test_award_list_workbook_keeps_formula_like_text_as_text(client, formula_edition):
    response = client.get(reverse("public:award_list_xlsx", args=[formula_edition.pk]))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    formulas = [
        (sheet.title, cell.coordinate, cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert formulas == []
    values = {cell.value for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row}
    assert set(FORMULAS) <= values
    assert "=标杆" in values


def _csv_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def _assert_no_formula_cell(rows):
    starts = tuple("=+-@\t\r")
    assert [cell for row in rows for cell in row if cell.startswith(starts)] == []


def test_public_award_list_csv_prefixes_formula_like_text(client, formula_edition):
    response = client.get(reverse("public:award_list_csv", args=[formula_edition.pk]))
    rows = _csv_cells(response.content.decode("utf-8"))
    _assert_no_formula_cell(rows)
    titles = sorted(row[3] for row in rows[1:])
    assert titles == sorted("'" + title for title in FORMULAS)


def test_award_list_file_csv_prefixes_formula_like_text(formula_edition):
    target = io.StringIO()
    publication = formula_edition.publications.get()
    assert exports.write_csv(edition=formula_edition, publication=publication, target=target) == len(FORMULAS)
    rows = _csv_cells(target.getvalue())
    _assert_no_formula_cell(rows)
    assert sorted(row[3] for row in rows[1:]) == sorted("'" + title for title in FORMULAS)
    assert {row[0] for row in rows[1:]} == {"'=cmd|'/c calc'!A1"}


# --- XSS -------------------------------------------------------------------------------------------

PAYLOAD = '"><script>alert("xss")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def hostile_world(db):
    return build_world(
        title="T" + PAYLOAD,
        group_name="G" + PAYLOAD,
        member="M" + PAYLOAD[:60],
        comment="C" + PAYLOAD,
        enterprise="E" + PAYLOAD,
        judge="J" + PAYLOAD[:60],
        edition="D" + PAYLOAD,
        notice="N" + PAYLOAD,
        category="K" + PAYLOAD[:60],
        venue="V" + PAYLOAD[:60],
        summary="S" + PAYLOAD,
        completing_units="U" + PAYLOAD,
        reason="R" + PAYLOAD,
    )


def _pages(world):
    """(role, URL) of every page that shows the entry's texts back."""
    entry, venue, edition = world.entry, world.venue, world.edition
    published = world.published_entry
    return [
        ("enterprise_a", reverse("submissions:entry_detail", args=[entry.pk])),
        ("enterprise_a", reverse("submissions:dashboard")),
        ("organiser", reverse("submissions:review_entry", args=[entry.pk])),
        ("organiser", reverse("submissions:review_list")),
        ("organiser", reverse("submissions:entry_detail", args=[entry.pk])),
        ("organiser", reverse("scoring:category_venues", args=[world.category.pk])),
        ("organiser", reverse("scoring:schedule", args=[venue.pk])),
        ("organiser", reverse("scoring:recusals", args=[edition.pk])),
        ("organiser", reverse("scoring:venue_audit", args=[venue.pk])),
        ("organiser", reverse("results:category", args=[world.category.pk])),
        ("organiser", reverse("results:venue", args=[venue.pk])),
        ("organiser", reverse("results:dashboard", args=[edition.pk])),
        ("organiser", reverse("scoring:sheet_detail", args=[world.sheet.pk])),
        ("organiser", reverse("scoring:live_board")),
        ("judge", reverse("scoring:score_entry", args=[venue.pk, entry.pk])),
        ("judge", reverse("scoring:judge_home")),
        ("leader", reverse("scoring:panel", args=[venue.pk])),
        ("anonymous", reverse("public:entry", args=[published.pk])),
        ("anonymous", reverse("public:results")),
        ("anonymous", reverse("public:results") + "?q=" + PAYLOAD),
        ("anonymous", reverse("public:enterprise", args=[world.enterprise.pk])),
        ("anonymous", reverse("public:edition", args=[world.published_edition.pk])),
        ("anonymous", reverse("public:home")),
        ("organiser", reverse("events:dashboard", args=[edition.pk])),
        ("organiser", reverse("events:edition_list")),
        ("organiser", reverse("events:category_list", args=[edition.pk])),
        ("organiser", reverse("events:venue_list", args=[edition.pk])),
        ("organiser", reverse("events:panel", args=[venue.pk])),
        ("organiser", reverse("scoring:import_sheets", args=[edition.pk])),
        ("organiser", reverse("results:home")),
        ("organiser", reverse("results:audit", args=[edition.pk])),
    ]


def test_text_fields_are_escaped_on_every_page_that_shows_them(hostile_world):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for role, url in _pages(hostile_world):
        cache.clear()
        client.logout()
        if hostile_world.users[role] is not None:
            client.force_login(hostile_world.users[role])
        response = client.get(url, follow=True)
        body = response.content.decode()
        assert response.status_code == 200, url
        assert PAYLOAD not in body, url
        assert "<img src=x" not in body, url
        assert inline_code(body) == [], url  # e.g. a text that broke out of an attribute into an onerror=


def test_each_hostile_text_is_shown_escaped_where_it_belongs(hostile_world):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    world = hostile_world
    entry, venue, published = world.entry, world.venue, world.published_entry
    expectations = [
        ("enterprise_a", reverse("submissions:entry_detail", args=[entry.pk]), "TGMEDKSU"),
        ("enterprise_a", reverse("submissions:dashboard"), "TGEDK"),
        ("organiser", reverse("submissions:review_entry", args=[entry.pk]), "TGMEDKSU"),
        ("organiser", reverse("submissions:review_list"), "TGEDK"),
        ("organiser", reverse("scoring:category_venues", args=[world.category.pk]), "TEDKV"),
        ("organiser", reverse("scoring:schedule", args=[venue.pk]), "TGEJDKV"),
        ("organiser", reverse("scoring:recusals", args=[world.edition.pk]), "DVR"),
        ("organiser", reverse("scoring:venue_audit", args=[venue.pk]), "JV"),
        ("organiser", reverse("results:category", args=[world.category.pk]), "TEDKV"),
        ("organiser", reverse("results:venue", args=[venue.pk]), "TEDKV"),
        ("organiser", reverse("events:panel", args=[venue.pk]), "JDKV"),
        ("judge", reverse("scoring:score_entry", args=[venue.pk, entry.pk]), "TGCEJKV"),
        ("judge", reverse("scoring:sheet_detail", args=[world.sheet.pk]), "TCJV"),
        ("leader", reverse("scoring:panel", args=[venue.pk]), "JV"),
        ("anonymous", reverse("public:entry", args=[published.pk]), "TGME"),
        ("anonymous", reverse("public:results"), "TGE"),
        ("anonymous", reverse("public:enterprise", args=[world.enterprise.pk]), "TGE"),
    ]
    # title, group, member, comment, enterprise, judge, edition, category, venue, summary, units, reason
    texts = {key: key + PAYLOAD for key in "TGMCEJDKVSUR"}
    for role, url, keys in expectations:
        cache.clear()
        client.logout()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        body = client.get(url).content.decode()
        assert [key for key in keys if escape(texts[key]) not in body] == [], url
        assert [key for key in keys if texts[key] in body] == [], url


# --- CSRF ------------------------------------------------------------------------------------------


def _every_url(world):
    urls = []
    for name, _route, parameters in named_patterns():
        kwargs = {
            key: getattr(world.objects[obj], "pk", world.objects[obj]) for key, obj in ARGUMENTS.get(name, {}).items()
        }
        if parameters and not kwargs:
            continue  # a URL with an id but no row in the matrix: test_permission_matrix fails for it
        urls.append(reverse(name, kwargs=kwargs))
    urls.append(reverse("set_language"))
    return urls


def test_no_view_is_exempt_from_csrf():
    exempt = []

    def walk(resolver):
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                if not str(pattern.pattern).startswith("admin/"):
                    walk(pattern)
            elif getattr(pattern.callback, "csrf_exempt", False):
                exempt.append(str(pattern.pattern))

    walk(get_resolver("portal.urls"))
    assert exempt == []


@pytest.mark.parametrize("role", ["anonymous", "enterprise_a", "judge", "leader", "organiser"])
def test_post_without_csrf_token_is_refused_on_every_url(db, role):
    world = build_world()
    client = Client(enforce_csrf_checks=True)
    if world.users[role] is not None:
        client.force_login(world.users[role])
    refused = {url: client.post(url, {"reason": "x", "decision": "accept"}).status_code for url in _every_url(world)}
    assert {url: code for url, code in refused.items() if code != 403} == {}
    world.entry.refresh_from_db()
    world.venue.refresh_from_db()
    assert (world.entry.status, world.venue.signed_off_at) == (Entry.Status.ACCEPTED, None)


# --- SQL metacharacters ------------------------------------------------------------------------------

METACHARACTERS = ["' OR 1=1 --", "%", "_", "\\", '"; DROP TABLE results_result; --', "%' AND '1'='1", "\x00"]


# These answer 404 to an edition id that is not one of theirs (a normal "not found" page).
NOT_FOUND_ON_BAD_ID = {"public:statistics", "scoring:live_board", "scoring:live_board_data"}


def _search_urls(world):
    return [
        (
            "anonymous",
            "public:results",
            ["q", "edition", "category", "venue", "grade", "province", "topic_type", "sort", "kind", "page"],
        ),
        ("anonymous", "public:statistics", ["edition"]),
        ("anonymous", "api:results", ["q", "edition", "category", "grade", "province", "page", "page_size"]),
        ("anonymous", "api:editions", ["page"]),
        (
            "organiser",
            "submissions:review_list",
            ["q", "edition", "category", "status", "province", "recommending_unit", "topic_type", "page"],
        ),
        ("organiser", "submissions:review_export", ["q", "status"]),
        ("organiser", "submissions:enterprise_list", ["status", "page"]),
        ("organiser", "scoring:live_board", ["edition"]),
        ("organiser", "scoring:live_board_data", ["edition"]),
        ("organiser", "events:edition_list", ["page"]),
    ]


@pytest.mark.parametrize(
    "value", METACHARACTERS, ids=["or-1-1", "percent", "underscore", "backslash", "drop", "quote-and", "nul"]
)
def test_sql_metacharacters_in_search_and_filters_give_a_normal_answer(db, value):
    world = build_world()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for role, name, parameters in _search_urls(world):
        client.logout()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        for parameter in parameters:
            cache.clear()
            response = client.get(reverse(name), {parameter: value})
            allowed = {200, 400} if name.startswith("api:") else {200, 404} if name in NOT_FOUND_ON_BAD_ID else {200}
            assert response.status_code in allowed, (name, parameter, response.status_code)


def test_search_for_a_percent_sign_finds_nothing_rather_than_everything(db):
    world = build_world()
    title = world.published_entry.title
    assert title in Client().get(reverse("public:results")).content.decode()
    cache.clear()
    for value in ("%", "_", "' OR 1=1 --"):
        assert title not in Client().get(reverse("public:results"), {"q": value}).content.decode(), value
        cache.clear()


# --- paper score sheets: a workbook bomb -----------------------------------------------------------------


def _paper_workbook(rows=(), padding_megabytes=0) -> bytes:
    """A paper-sheet workbook (header and rows); padding adds blank space to the sheet's XML after the rows."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["分会场", "成果编号", "评委"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    if not padding_megabytes:
        return buffer.getvalue()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename != "xl/worksheets/sheet1.xml":
                target.writestr(item.filename, data)
                continue
            head, _, tail = data.partition(b"</sheetData>")
            with target.open(item.filename, "w", force_zip64=True) as member:
                member.write(head)
                for _ in range(padding_megabytes):
                    member.write(b" " * (1024 * 1024))
                member.write(b"</sheetData>" + tail)
    return out.getvalue()


def _import_paper_sheets(client, organiser, data):
    world_edition = factories.EditionFactory(status=Edition.Status.JUDGING)
    world_edition.organisers.add(organiser)
    client.force_login(organiser)
    return client.post(
        reverse("scoring:import_sheets", args=[world_edition.pk]),
        {"file": SimpleUploadedFile("sheets.xlsx", data)},
    )


def test_paper_sheet_workbook_that_unpacks_to_far_more_than_a_list_is_refused(client, organiser):
    bomb = _paper_workbook(padding_megabytes=80)
    assert len(bomb) < 1024 * 1024
    response = _import_paper_sheets(client, organiser, bomb)
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [
        "This file unpacks to far more data than a document holds; it is refused."
    ]


def test_paper_sheet_workbook_with_too_many_rows_is_refused(client, organiser):
    from scoring import paper_sheets

    rows = [("第一分会场", f"QC-{index}", "judge@example.com") for index in range(paper_sheets.MAX_ROWS + 1)]
    response = _import_paper_sheets(client, organiser, _paper_workbook(rows))
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [
        "The list has more than 20000 rows. Split it into several files of at most 20000 rows."
    ]


@pytest.mark.parametrize(
    "name,kept",
    [
        ("../../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\win.ini.pdf", "win.ini.pdf"),
        # The multipart parser already ends the name at the quote; nothing of the line break survives.
        ('report"\r\nSet-Cookie: stolen=1; x=".pdf', "report"),
        ("\u202egnp.pdf", "gnp.pdf"),
    ],
    ids=["posix-traversal", "windows-traversal", "header-injection", "right-to-left-override"],
)
def test_hostile_file_names_are_cleaned_and_never_reach_a_path_or_a_header(client, user_a, draft, name, kept):
    client.force_login(user_a)
    _upload(client, draft, "report", name, PDF)
    stored = EntryFile.objects.get(entry=draft)
    assert stored.original_name == kept
    assert re.fullmatch(r"entries/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", stored.file.name)
    response = client.get(reverse("submissions:file_download", args=[stored.pk]))
    assert "\r" not in response["Content-Disposition"] and "\n" not in response["Content-Disposition"]
    assert "stolen" not in response.cookies


# --- hostile points -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["NaN", "sNaN", "Infinity", "-Infinity", "1e999", "9999999999", "-1", "17.55", "' OR 1=1 --", "<b>"]
)
def test_hostile_points_are_refused_and_nothing_is_saved(db, value):
    from scoring.models import CriterionScore, ScoreSheet

    world = build_world()
    entry = factories.EntryFactory(
        category=world.category, venue=world.venue, status=Entry.Status.ACCEPTED, running_order=2, code="QC-2021-0002"
    )
    judge = world.users["judge"]
    sheet = factories.ScoreSheetFactory(entry=entry, judge=judge, rubric=world.rubric, status=ScoreSheet.Status.DRAFT)
    criterion = world.rubric.criteria.order_by("position").first()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(judge)
    response = client.post(
        reverse("scoring:autosave", args=[sheet.pk]), {f"c{criterion.pk}": value, "version": sheet.version}
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) in ([str(criterion.pk)], ["__all__"])
    assert CriterionScore.objects.filter(sheet=sheet).count() == 0
    response = client.post(
        reverse("scoring:score_entry", args=[world.venue.pk, entry.pk]),
        {f"c{criterion.pk}": value, "version": sheet.version, "action": "submit"},
    )
    assert response.status_code == 400
    sheet.refresh_from_db()
    assert (sheet.status, CriterionScore.objects.filter(sheet=sheet).count()) == (ScoreSheet.Status.DRAFT, 0)
