"""Uploaded files kept between an import's preview and its confirmation.

The first step of an import checks the file and writes nothing; the file waits here, in private storage under
MEDIA_ROOT (which is never served), for the second step. The page carries only a signed token naming the file, the
user who uploaded it, what it is for (its kind) and its SHA-256: another user, another kind, a tampered or expired
token or a changed file is refused. Files older than a day are removed whenever a new one is stashed, so no
scheduled job is needed.
"""

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.shortcuts import render
from django.utils.translation import gettext as _

FOLDER = "pending-imports"
MAX_AGE = 24 * 60 * 60  # seconds a token, and its file, stay good
SALT = "portal.uploads"
NAME = re.compile(r"^[0-9a-f]{32}$")


def folder() -> Path:
    return Path(settings.MEDIA_ROOT) / FOLDER


def stash(upload, *, by, kind: str, rows: int = 0) -> str:
    """Keep the upload's bytes for the confirmation; returns the signed token that names them (and the number of
    `rows` the check read, for rows())."""
    remove_stale()
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    name = secrets.token_hex(16)
    folder().mkdir(parents=True, exist_ok=True)
    (folder() / name).write_bytes(data)
    payload = {
        "name": name,
        "user": by.pk,
        "kind": kind,
        "sha256": hashlib.sha256(data).hexdigest(),
        "file": getattr(upload, "name", "") or "",
        "rows": rows,
    }
    return signing.dumps(payload, salt=SALT, compress=True)


def load(token: str, *, by, kind: str) -> ContentFile:
    """The stashed file the token names, as an upload; ValidationError when it is not this user's file of this kind,
    the token was tampered with or has expired, the file was already used or has changed."""
    payload = _payload(token)
    if payload.get("user") != by.pk or payload.get("kind") != kind:
        raise ValidationError(_("This file was checked for another user or another import. Upload it again."))
    name = str(payload.get("name", ""))
    path = folder() / name
    if not NAME.match(name) or not path.is_file():
        raise ValidationError(
            _("This file has already been imported, so nothing was written again. To import it again, upload it again.")
        )
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != payload.get("sha256"):
        raise ValidationError(_("The file changed after it was checked. Upload it again."))
    return ContentFile(data, name=payload.get("file") or name)


def rows(token: str) -> int:
    """The number of rows the check of the file read, as stashed (0 when the token is not valid)."""
    try:
        return int(_payload(token).get("rows") or 0)
    except (ValidationError, TypeError, ValueError):
        return 0


def discard(token: str) -> None:
    """Remove the file the token names, if it is still there."""
    try:
        name = str(_payload(token).get("name", ""))
    except ValidationError:
        return
    if NAME.match(name):
        (folder() / name).unlink(missing_ok=True)


def remove_stale(*, now: float | None = None) -> None:
    """Remove the files older than MAX_AGE: their tokens have expired."""
    if not folder().is_dir():
        return
    limit = (now if now is not None else time.time()) - MAX_AGE
    for path in folder().iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:  # removed meanwhile by another request
            continue


def _payload(token: str) -> dict:
    try:
        payload = signing.loads(token or "", salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(_("The check of this file is more than a day old. Upload the file again."))
    except signing.BadSignature:
        raise ValidationError(_("This confirmation is not valid. Upload the file again."))
    if not isinstance(payload, dict):
        raise ValidationError(_("This confirmation is not valid. Upload the file again."))
    return payload


class ConfirmForm(forms.Form):
    """The second step of an import without options: the checked file, named by its token, is written."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=2000)


@dataclass
class TwoSteps:
    """Where an import in two steps stands after a request: the report of the file read (None before any), whether
    it is shown as a preview awaiting confirmation, the confirmation form (its token), and whether it was written."""

    report: object = None
    preview: bool = False
    confirm: ConfirmForm | None = None
    written: bool = False


def import_in_two_steps(request, *, form, kind: str, read) -> TwoSteps:
    """The preview-then-confirm flow of an import without options. A POST with a file (`form`, bound by the caller
    when the POST carries no token) is read with `read(file=..., dry_run=True)`, writing nothing, and stashed; a POST
    with a token loads the stashed file and reads it again with `read(file=...)`, which writes it. Errors go on the
    form they belong to."""
    confirming = request.method == "POST" and "token" in request.POST
    steps = TwoSteps(confirm=ConfirmForm(request.POST if confirming else None))
    if confirming and steps.confirm.is_valid():
        token = steps.confirm.cleaned_data["token"]
        try:
            upload = load(token, by=request.user, kind=kind)
            discard(token)
            steps.report = read(file=upload)
        except ValidationError as error:
            steps.confirm.add_error(None, error)
        else:
            steps.written = steps.report.ok
    elif request.method == "POST" and not confirming and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            steps.report = read(file=upload, dry_run=True)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            steps.preview = steps.report.ok
            if steps.preview:
                token = stash(upload, by=request.user, kind=kind, rows=steps.report.rows)
                steps.confirm = ConfirmForm(initial={"token": token})
    return steps


def import_page(request, *, form_class, kind: str, read, template: str, done):
    """The page of an import in two steps (templates/portal/import_two_steps.html): the file form bound unless the
    POST confirms a preview, then import_in_two_steps; once written, `done(report)` answers (a redirect with its
    message); otherwise the page with the refused rows, or the preview and its confirmation (400 for a file
    refused)."""
    confirming = request.method == "POST" and "token" in request.POST
    form = form_class(request.POST if request.method == "POST" and not confirming else None, request.FILES or None)
    steps = import_in_two_steps(request, form=form, kind=kind, read=read)
    if steps.written:
        return done(steps.report)
    return render(
        request,
        template,
        {"form": form, "confirm": steps.confirm, "report": steps.report, "preview": steps.preview},
        status=400 if request.method == "POST" and not steps.preview else 200,
    )
