"""PDF documents in Chinese, made in Python alone (fpdf2): certificates, the printed award list, score sheets.

The fonts are Noto Serif SC (a Song-class face, 宋体 class, for documents an association issues) and Noto Sans SC
(for forms), SIL Open Font License, installed from PyPI (pylopdf-fonts-zh-cn): `make run` needs nothing from apt.
fpdf2 embeds only the glyphs a document uses (a subset), so a one-page certificate stays small.

Parsing a font of 8-12 MB costs about 0.4 s: a document of many pages (a category's certificates) is one
`document()` with one page each, not one document per page.
"""

from fpdf import FPDF
from pylopdf_fonts_zh_cn import sans_path, serif_path

SERIF = "serif"
SANS = "sans"
PDF_MIME = "application/pdf"


def document(*, orientation: str = "portrait", title: str = "", author: str = "") -> FPDF:
    """A new A4 document with both Chinese fonts registered (SERIF and SANS) and the serif one selected; page
    breaks are automatic, 15 mm from the bottom. `orientation` is "portrait" or "landscape"."""
    pdf = FPDF(orientation="L" if orientation == "landscape" else "P", unit="mm", format="A4")
    pdf.add_font(SERIF, fname=str(serif_path()))
    pdf.add_font(SANS, fname=str(sans_path()))
    pdf.set_font(SERIF, size=12)
    pdf.set_auto_page_break(auto=True, margin=15)
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    pdf.set_creator("QC Exchange Portal")
    return pdf


def to_bytes(pdf: FPDF) -> bytes:
    return bytes(pdf.output())
