"""Checking an uploaded file: its type from its content, its size, a safe stored name and its SHA-256.

The name a browser sends is never trusted: the type comes from the first bytes (PDF) or the zip's
table of contents (PPTX, XLSX), and the stored name is random.
"""

import hashlib
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal import spreadsheets
from portal.spreadsheets import XLSX_MIME, check_upload_size, check_zip

PDF = "application/pdf"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = XLSX_MIME
MP4 = "video/mp4"
EXTENSIONS = {PDF: "pdf", PPTX: "pptx", XLSX: "xlsx", MP4: "mp4"}
ORIGINAL_NAME_MAX = 255
max_upload_bytes = spreadsheets.max_upload_bytes  # the upload form shows the limit


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    extension: str
    size: int
    sha256: str
    original_name: str


def clean_original_name(name: str) -> str:
    """The file's own name without any folder part or control character, at most 255 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = PureWindowsPath(PurePosixPath(name.replace("\x00", "")).name).name
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C").strip().lstrip(".")
    if not name:
        return "file"
    if len(name) > ORIGINAL_NAME_MAX:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: ORIGINAL_NAME_MAX - len(extension) - 1] + "." + extension
        else:
            name = name[:ORIGINAL_NAME_MAX]
    return name


def random_name(extension: str) -> str:
    return f"{secrets.token_hex(16)}.{extension}"


def _head(upload, count: int) -> bytes:
    upload.seek(0)
    head = upload.read(count)
    upload.seek(0)
    return head


def _zip_names(upload) -> set[str] | None:
    """The member names of a zip after checking its declared sizes (portal.spreadsheets.check_zip), or None when
    it is not a zip."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            check_zip(archive, size=getattr(upload, "size", 0) or 0)
            # Unpack every member within the sizes just checked: one that holds more than it declares
            # (a bomb that lies in its table of contents) fails its checksum and the file is not a zip.
            if archive.testzip() is not None:
                return None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        return None
    finally:
        upload.seek(0)
    return {member.filename for member in members}


def sniff(upload) -> str | None:
    """The content type of an uploaded file read from its content: PDF, PPTX, XLSX, MP4 or None."""
    head = _head(upload, 1024)
    # The header must open the file: a "%PDF-" further in is how an HTML or SVG page passes for a PDF.
    if head.lstrip(b"\xef\xbb\xbf\x00\t\n\r\x0c ").startswith(b"%PDF-"):
        return PDF
    if head[4:8] == b"ftyp":
        return MP4
    if head.startswith(b"PK\x03\x04"):
        names = _zip_names(upload) or set()
        if "[Content_Types].xml" in names:
            if "ppt/presentation.xml" in names:
                return PPTX
            if "xl/workbook.xml" in names:
                return XLSX
    return None


def sha256_of(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(1 << 20), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def check_upload(upload, *, allowed: tuple[str, ...]) -> CheckedFile:
    """Validate an uploaded file; raise ValidationError with a message a person can act on."""
    size = check_upload_size(upload)
    content_type = sniff(upload)
    if content_type not in allowed:
        names = "、".join(EXTENSIONS[kind].upper() for kind in allowed)
        raise ValidationError(
            _("This file is not a %(types)s file (its content was checked, not its name).") % {"types": names}
        )
    return CheckedFile(
        content_type=content_type,
        extension=EXTENSIONS[content_type],
        size=size,
        sha256=sha256_of(upload),
        original_name=clean_original_name(getattr(upload, "name", "")),
    )
