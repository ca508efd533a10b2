import hashlib

import pytest
from django.core.exceptions import ValidationError

from portal import spreadsheets
from submissions import files
from tests.submissions.conftest import EXE_BYTES, PDF_BYTES, pptx_bytes, upload


def test_sniff_recognises_a_pdf_by_its_content_whatever_its_name():
    assert files.sniff(upload("slides.pptx", PDF_BYTES)) == files.PDF


def test_sniff_recognises_a_pptx_by_its_table_of_contents():
    assert files.sniff(upload("deck.bin", pptx_bytes())) == files.PPTX


def test_sniff_refuses_a_zip_without_a_presentation():
    assert files.sniff(upload("deck.pptx", pptx_bytes(presentation=False))) is None


def test_check_upload_refuses_a_renamed_exe():
    with pytest.raises(ValidationError) as error:
        files.check_upload(upload("report.pdf", EXE_BYTES), allowed=(files.PDF,))
    assert error.value.messages == ["This file is not a PDF file (its content was checked, not its name)."]


def test_check_upload_refuses_an_empty_file():
    with pytest.raises(ValidationError) as error:
        files.check_upload(upload("report.pdf", b""), allowed=(files.PDF,))
    assert error.value.messages == ["The file is empty (0 bytes). Please choose the right file."]


def test_check_upload_refuses_a_file_over_the_limit(settings):
    settings.UPLOAD_MAX_MB = 1
    big = PDF_BYTES + b"0" * (1024 * 1024)
    with pytest.raises(ValidationError) as error:
        files.check_upload(upload("report.pdf", big), allowed=(files.PDF,))
    assert error.value.messages == ["The file is 1.0 MB; the limit is 1 MB."]


def test_check_upload_accepts_a_file_at_the_limit(settings):
    settings.UPLOAD_MAX_MB = 1
    exact = PDF_BYTES + b"0" * (1024 * 1024 - len(PDF_BYTES))
    assert files.check_upload(upload("report.pdf", exact), allowed=(files.PDF,)).size == 1024 * 1024


def test_check_upload_refuses_a_pptx_where_only_pdf_is_allowed():
    with pytest.raises(ValidationError):
        files.check_upload(upload("report.pdf", pptx_bytes()), allowed=(files.PDF,))


def test_check_upload_refuses_a_zip_bomb_by_its_declared_size(monkeypatch):
    monkeypatch.setattr(spreadsheets, "ZIP_MAX_UNCOMPRESSED", 1000)
    data = pptx_bytes(extra={"ppt/media/huge.bin": b"\x00" * 5000})
    with pytest.raises(ValidationError) as error:
        files.check_upload(upload("slides.pptx", data), allowed=(files.PPTX,))
    assert error.value.messages == ["This file unpacks to far more data than a document holds; it is refused."]


def test_check_upload_refuses_a_zip_with_too_many_entries(monkeypatch):
    monkeypatch.setattr(spreadsheets, "ZIP_MAX_ENTRIES", 5)
    data = pptx_bytes(extra={f"ppt/slides/slide{n}.xml": "<s/>" for n in range(5)})
    with pytest.raises(ValidationError):
        files.check_upload(upload("slides.pptx", data), allowed=(files.PPTX,))


def test_check_upload_keeps_the_sha256_and_size():
    checked = files.check_upload(upload("报告.pdf", PDF_BYTES), allowed=(files.PDF,))
    assert (checked.content_type, checked.extension, checked.size, checked.sha256, checked.original_name) == (
        files.PDF,
        "pdf",
        len(PDF_BYTES),
        hashlib.sha256(PDF_BYTES).hexdigest(),
        "报告.pdf",
    )


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\报告.pdf", "报告.pdf"),
        ("a\x00b\nc.pdf", "abc.pdf"),
        ("..", "file"),
        (".htaccess", "htaccess"),
        ("", "file"),
    ],
)
def test_clean_original_name_keeps_only_a_plain_name(name, cleaned):
    assert files.clean_original_name(name) == cleaned


def test_clean_original_name_shortens_a_long_name_and_keeps_its_extension():
    cleaned = files.clean_original_name("很" * 300 + ".pdf")
    assert (len(cleaned), cleaned[-4:]) == (255, ".pdf")


def test_clean_original_name_keeps_a_200_character_name():
    name = "x" * 196 + ".pdf"
    assert files.clean_original_name(name) == name


def test_random_name_is_unguessable_and_keeps_the_detected_extension():
    first, second = files.random_name("pdf"), files.random_name("pdf")
    assert first != second
    assert len(first) == 36 and first.endswith(".pdf")


def test_a_damaged_zip_is_not_a_pptx():
    data = pptx_bytes()[:40]
    assert files.sniff(upload("slides.pptx", data)) is None


@pytest.mark.parametrize(
    ("original", "content_type", "name"),
    [
        ("passwd<script>0.pdf.html", files.PDF, "passwd_script_0.pdf"),
        ("a.pdf.exe", files.PDF, "a.pdf"),
        ("report.PDF", files.PDF, "report.pdf"),
        ("slides.pdf", files.PPTX, "slides.pptx"),
        ("成果报告", files.PDF, "成果报告.pdf"),
        ("..\\..\\etc/passwd", files.PDF, "passwd.pdf"),
        ('a"b;c\r\nd\u202eexe.pdf', files.PDF, "a_b_cdexe.pdf"),
        ("v1.2 final.xlsx", files.XLSX, "v1.2 final.xlsx"),
        ("<>.pdf", files.PDF, "file.pdf"),
        ("x" * 300 + ".pdf", files.PDF, "x" * files.DOWNLOAD_STEM_MAX + ".pdf"),
        ("unknown.exe", "application/x-msdownload", "unknown.bin"),
    ],
)
def test_download_name_has_the_sniffed_types_extension_and_no_unsafe_character(original, content_type, name):
    assert files.download_name(original, content_type) == name


def test_a_chinese_download_name_comes_with_an_ascii_fallback():
    from submissions.files import ascii_name, content_disposition

    assert content_disposition("第四十次交流活动获奖名单.xlsx", fallback="awards-2021-40.xlsx") == (
        "attachment; filename=\"awards-2021-40.xlsx\"; filename*=utf-8''"
        "%E7%AC%AC%E5%9B%9B%E5%8D%81%E6%AC%A1%E4%BA%A4%E6%B5%81%E6%B4%BB%E5%8A%A8%E8%8E%B7%E5%A5%96%E5%90%8D%E5%8D%95.xlsx"
    )
    assert content_disposition("成果报告.pdf", as_attachment=False).startswith(
        'inline; filename="file.pdf"; filename*='
    )
    assert content_disposition("report v2.pdf") == 'attachment; filename="report v2.pdf"'
    assert (ascii_name("a/b;c.pdf"), ascii_name("报告.csv"), ascii_name("报告")) == ("a_b_c.pdf", "file.csv", "file")
