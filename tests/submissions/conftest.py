import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from tests import factories

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def pptx_bytes(*, extra: dict | None = None, presentation: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if presentation:
            archive.writestr("ppt/presentation.xml", "<p:presentation/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def upload(name="report.pdf", data=PDF_BYTES, content_type="application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def edition(db, organiser):
    edition = factories.EditionFactory(year=2021)
    edition.organisers.add(organiser)
    return edition


@pytest.fixture
def qc(edition):
    return factories.CategoryFactory(edition=edition, code="QC", name="QC小组成果", requires_slides=True)


@pytest.fixture
def draft(qc, enterprise_a):
    """A complete draft of enterprise A: QC fields, two members with a leader, report and slides."""
    entry = factories.EntryFactory(category=qc, enterprise=enterprise_a, title="降低焊缝气孔率")
    factories.MemberFactory(entry=entry, name="张三", is_leader=True)
    factories.MemberFactory(entry=entry, name="李四")
    factories.EntryFileFactory(entry=entry, kind="report")
    factories.EntryFileFactory(entry=entry, kind="slides", original_name="slides.pdf")
    return entry


@pytest.fixture(autouse=True)
def _english(client):
    """Messages are asserted on their English source text: the test thread and the test client use English
    (Simplified Chinese is the portal's default and is filled in centrally)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield
