"""Checking an uploaded file: its type from its content, its size, a safe stored name and its SHA-256.

The name a browser sends is never trusted: the type comes from the first bytes (PDF) or the zip's
table of contents (PPTX, XLSX), and the stored name is random. A download is named after the uploaded name, with
the sniffed type's extension (`download_name`) and that type (`file_response`); every download's
Content-Disposition header comes from `content_disposition` (a Chinese name with an ASCII fallback).
"""

import hashlib
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from portal import spreadsheets
from portal.spreadsheets import XLSX_MIME, check_upload_size, check_zip

PDF = "application/pdf"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = XLSX_MIME
MP4 = "video/mp4"
EXTENSIONS = {PDF: "pdf", PPTX: "pptx", XLSX: "xlsx", MP4: "mp4"}
ORIGINAL_NAME_MAX = 255
# A download's name: at most this many characters before its extension, none a file system or a header refuses.
DOWNLOAD_STEM_MAX = 100
UNSAFE_IN_NAME = re.compile(r'[<>:"/\\|?*;]+')
EXTENSION_LIKE = re.compile(r"[A-Za-z0-9]{1,10}")
ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
OTHER_TYPE = "application/octet-stream"
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


def download_name(original_name: str, content_type: str) -> str:
    """The name a download is saved under: the uploaded name without its extension (or a second one of the same
    type), without folders, control characters or characters a file system refuses, at most DOWNLOAD_STEM_MAX
    characters, and the extension of the type the content was sniffed as: "passwd<script>0.pdf.html" of a PDF is
    "passwd_script_0.pdf", "a.pdf.exe" is "a.pdf"."""
    extension = EXTENSIONS.get(content_type, "bin")
    name = clean_original_name(original_name)
    stem, dot, suffix = name.rpartition(".")
    if dot and stem and EXTENSION_LIKE.fullmatch(suffix):
        name = stem
    name = UNSAFE_IN_NAME.sub("_", name)
    if name.lower().endswith(f".{extension}"):
        name = name[: -len(extension) - 1]
    name = name.strip(" ._")[:DOWNLOAD_STEM_MAX].rstrip(" .") or "file"
    return f"{name}.{extension}"


def ascii_name(name: str, *, default: str = "file") -> str:
    """The name in ASCII letters, digits, dots, dashes and underscores (what is left of it; `default` and the
    extension when nothing is): the fallback of a Chinese file name for clients that do not read RFC 5987."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not EXTENSION_LIKE.fullmatch(extension):
        stem, extension = name, ""
    stem = ASCII_UNSAFE.sub("_", stem).strip("._-") if stem.isascii() else ""
    stem = stem or default
    return f"{stem}.{extension}" if extension else stem


def content_disposition(filename: str, *, as_attachment: bool = True, fallback: str = "") -> str:
    """A Content-Disposition header for a download named `filename`, which may be Chinese: the name as RFC 5987
    `filename*` (UTF-8) after an ASCII `filename` (`fallback`, else what ascii_name makes of it) that older clients
    read instead. An ASCII name is given once, as `filename`."""
    if filename.isascii():
        return content_disposition_header(as_attachment, filename)
    fallback = ascii_name(fallback or filename)
    encoded = content_disposition_header(as_attachment, filename)  # "attachment; filename*=utf-8''..."
    disposition, _separator, star = encoded.partition("; ")
    return f'{disposition}; filename="{fallback}"; {star}'


def file_response(stored, *, inline: bool) -> FileResponse:
    """A stored file (EntryFile) as a download of its sniffed type, named by download_name. Only a PDF opens in the
    browser, and only when `inline`; every other type is saved. FileNotFoundError when the file is gone."""
    handle = stored.file.open("rb")
    content_type = stored.content_type if stored.content_type in EXTENSIONS else OTHER_TYPE
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition(
        download_name(stored.original_name, content_type), as_attachment=not (inline and content_type == PDF)
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
