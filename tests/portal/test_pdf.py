import io
import shutil
import subprocess

from pypdf import PdfReader

from portal import pdf
from tests.conftest import need


def text_of(data: bytes, page: int = 0) -> str:
    """The text of a PDF's page as pypdf extracts it, without white space (and without the NUL pypdf puts before
    each character of a two-byte CID font; pdftotext reads the same file cleanly)."""
    return "".join(PdfReader(io.BytesIO(data)).pages[page].extract_text().replace("\x00", "").split())


def make(text: str) -> bytes:
    document = pdf.document(orientation="landscape", title="荣誉证书")
    document.add_page()
    document.multi_cell(0, 10, text=text)
    return pdf.to_bytes(document)


def test_a_document_holds_the_chinese_text_exactly():
    text = "演示（集团）有限公司“降低液压系统故障率”QC小组〔2021〕QC-0001"
    data = make(text)
    assert text_of(data) == text
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)  # A4 landscape


def test_its_font_is_embedded_as_a_subset(tmp_path):
    need("pdffonts", bool(shutil.which("pdffonts")), "poppler-utils reads the fonts of a PDF")
    path = tmp_path / "a.pdf"
    path.write_bytes(make("荣誉证书"))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert len(fonts) == 1
    name, *_middle, emb, sub, uni, _obj, _gen = fonts[0].split()
    assert (name.split("+")[1], emb, sub, uni) == ("NotoSerifSC", "yes", "yes", "yes")
    assert len(path.read_bytes()) < 60_000  # only the glyphs used, not the 11 MB font
