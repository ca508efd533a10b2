"""Certificates (荣誉证书): issued for the awarded entries of a publication, printed as A4 landscape PDF pages with a
QR code and a short verification code that open the public verification page.

Issuing (`issue_certificates`) gives each awarded entry of the publication (and, when the edition's template says
so, each member of its group) a certificate with a number from the template's scheme and a code. A holder keeps
its certificate, number and code across later publications while its grade stays the same; a publication that
changes the grade issues a new certificate and marks the old one superseded by it, and one that no longer awards
the entry marks it superseded by nothing.

Printing: the worker (`generate_certificates`, task "results.generate_certificates") writes one zip per category
holding the category's certificates in one PDF (one page each: parsing the font costs ~0.4 s per document, see
portal.pdf) and their list as CSV. An enterprise's single certificate is its own small document.
"""

from __future__ import annotations

import csv
import io
import logging
import secrets
import string
import tempfile
import zipfile
from collections import defaultdict

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from events import audit
from events.models import Category, Edition
from portal import outbox, pdf
from portal.images import check_image
from portal.mail import queue_email
from portal.spreadsheets import csv_cell
from results.models import (
    Certificate,
    CertificateArchive,
    CertificateRun,
    CertificateTemplate,
    PublishedResult,
)
from submissions.files import random_name
from submissions.models import Entry
from submissions.services import enterprise_emails

logger = logging.getLogger(__name__)

# Short, unambiguous: no 0/O, 1/I/L, no lower case. 31^8 ≈ 8.5e11 codes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
WORDING_FIELDS = ("group", "enterprise", "title", "category", "grade", "edition", "date", "member", "association")
NUMBER_FIELDS = ("year", "category_code", "n")
PROGRESS_EVERY = 100
QR_MASK = 4
CSV_COLUMNS = ["证书编号", "验证码", "成果编号", "课题名称", "小组名称", "申报单位", "获奖人", "等级", "页码"]


# --- the template -----------------------------------------------------------------------------------------


def placeholders(text: str) -> list[str]:
    """The {names} in a text; ValidationError when its braces do not pair."""
    try:
        return [name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name is not None]
    except ValueError:
        raise ValidationError(_("A brace is not closed: write placeholders as {name} and a brace as {{ or }}."))


def braced(names) -> str:
    return ", ".join(f"{{{name}}}" for name in names)


def check_wording(text: str) -> str:
    unknown = sorted({name for name in placeholders(text) if name not in WORDING_FIELDS})
    if unknown:
        raise ValidationError(
            _("Unknown placeholders: %(unknown)s. The wording may use %(known)s.")
            % {"unknown": braced(unknown), "known": braced(WORDING_FIELDS)}
        )
    try:
        text.format(**dict.fromkeys(WORDING_FIELDS, "文字"))
    except (ValueError, IndexError, KeyError, AttributeError):  # "{group:d}": a format only numbers take
        raise ValidationError(_("The wording cannot be read: write each placeholder as {name}, without a format."))
    return text


def format_number(pattern: str, *, year: int, category_code: str, n: int) -> str:
    return pattern.format(year=year, category_code=category_code, n=n)


def check_number_pattern(pattern: str) -> str:
    names = placeholders(pattern)
    if "n" not in names:
        raise ValidationError(_("The number scheme needs {n} (the certificate's sequence number), e.g. {n:04d}."))
    unknown = sorted({name for name in names if name not in NUMBER_FIELDS})
    if unknown:
        raise ValidationError(
            _("Unknown placeholders: %(unknown)s. The number scheme may use %(known)s.")
            % {"unknown": braced(unknown), "known": braced(NUMBER_FIELDS)}
        )
    try:
        format_number(pattern, year=2021, category_code="QC", n=1)
    except (ValueError, IndexError, KeyError, AttributeError):
        raise ValidationError(_("The number scheme cannot be read: write the number as {n} or {n:04d}."))
    return pattern


def template_of(edition) -> CertificateTemplate:
    """The edition's template, or an unsaved one with the default wording and number scheme."""
    found = CertificateTemplate.objects.filter(edition=edition).first()
    return found if found is not None else CertificateTemplate(edition=edition)


AUDITED_FIELDS = ("heading", "wording", "member_wording", "issuing_body", "issued_on", "number_pattern", "per_member")


def _audited(template) -> dict:
    values = {name: getattr(template, name) for name in AUDITED_FIELDS}
    values["issued_on"] = values["issued_on"].isoformat() if values["issued_on"] else ""
    values["background"] = bool(template.background)
    values["seal"] = bool(template.seal)
    return values


@transaction.atomic
def save_template(*, edition, values: dict, background=None, seal=None, remove=(), by=None) -> CertificateTemplate:
    """Save the edition's template from checked values (the form's fields); pictures are checked here and stored
    under random names; `remove` names the pictures ("background", "seal") to take away. Kept in the audit."""
    template = template_of(edition)
    old = _audited(template)  # a template never saved: the defaults
    check_wording(values["wording"])
    check_wording(values.get("member_wording", ""))
    check_number_pattern(values["number_pattern"])
    uploads = {"background": background, "seal": seal}
    checked = {name: (upload, check_image(upload)) for name, upload in uploads.items() if upload}
    for name, value in values.items():
        setattr(template, name, value)
    for name in remove:
        if name in ("background", "seal") and name not in checked:
            setattr(template, name, "")
    for name, (upload, extension) in checked.items():
        getattr(template, name).save(random_name(extension), File(upload), save=False)
    template.save()
    new = _audited(template)
    changed = {name for name in new if old[name] != new[name]} | set(checked)
    if changed:
        audit.record(
            edition=edition,
            user=by,
            action=audit.Action.CERTIFICATE_TEMPLATE_CHANGED,
            target=str(_("certificate template")),
            old={name: old[name] for name in sorted(changed)},
            new={name: new[name] for name in sorted(changed)},
        )
    return template


# --- issuing ----------------------------------------------------------------------------------------------


def new_code(taken: set[str]) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            taken.add(code)
            return code


def normalise_code(text: str) -> str:
    """A code as a person types it: case, spaces and hyphens do not matter."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[: CODE_LENGTH * 2]


def awarded_rows(publication):
    """The publication's graded rows of entries still accepted, in category and rank order."""
    return (
        PublishedResult.objects.filter(publication=publication, entry__status=Entry.Status.ACCEPTED)
        .exclude(grade="")
        .select_related("category")
        .order_by("category__position", "category_id", "rank", "code")
    )


@transaction.atomic
def issue_certificates(*, publication) -> int:
    """Bring the edition's certificates in line with the publication; returns how many are valid for it."""
    edition = Edition.objects.select_for_update().get(pk=publication.edition_id)
    template = template_of(edition)
    issued_on = template.issued_on or timezone.localdate(publication.published_at)
    valid = {(c.entry_id, c.member_name): c for c in Certificate.objects.filter(edition=edition).valid()}
    sequences = dict(
        Certificate.objects.filter(edition=edition)
        .values("category_id")
        .annotate(last=Max("sequence"))
        .values_list("category_id", "last")
    )
    taken: set[str] = set()
    now = timezone.now()
    kept, created, replaced = [], [], []
    for row in awarded_rows(publication):
        holders = [""]
        if template.per_member:
            holders += [m["name"] for m in row.members if m.get("name")]
        for member_name in holders:
            stated = {
                "title": row.title,
                "group_name": row.group_name,
                "enterprise_name": row.enterprise_name,
                "category_name": row.category.name,
                "edition_name": edition.name,
            }
            old = valid.pop((row.entry_id, member_name), None)
            if old is not None and old.grade == row.grade:
                for name, value in stated.items():
                    setattr(old, name, value)
                old.publication = publication
                kept.append(old)
                continue
            sequence = sequences.get(row.category_id, 0) + 1
            sequences[row.category_id] = sequence
            certificate = Certificate(
                edition=edition,
                category=row.category,
                entry_id=row.entry_id,
                publication=publication,
                member_name=member_name,
                sequence=sequence,
                number=format_number(
                    template.number_pattern, year=edition.year, category_code=row.category.code, n=sequence
                ),
                code=new_code(taken),
                grade=row.grade,
                issued_on=issued_on,
                **stated,
            )
            created.append(certificate)
            if old is not None:
                replaced.append((old, certificate))
    # Whatever is left was awarded before and is not now: superseded by nothing.
    dropped = list(valid.values())
    retired = [old for old, _new in replaced] + dropped
    for old in retired:
        old.superseded_at = now
    Certificate.objects.bulk_update(retired, ["superseded_at"], batch_size=500)
    clashes = set(Certificate.objects.filter(code__in=[c.code for c in created]).values_list("code", flat=True))
    for certificate in created:  # a code already issued in another edition: draw again
        if certificate.code in clashes:
            certificate.code = new_code(taken | clashes)
    Certificate.objects.bulk_create(created, batch_size=500)
    by_key = {(c.entry_id, c.member_name): c for c in created}
    for old, new in replaced:
        old.superseded_by = by_key[(new.entry_id, new.member_name)]
    Certificate.objects.bulk_update([old for old, _new in replaced], ["superseded_by"], batch_size=500)
    Certificate.objects.bulk_update(
        kept, ["publication", "title", "group_name", "enterprise_name", "category_name", "edition_name"], batch_size=500
    )
    return len(kept) + len(created)


# --- printing ---------------------------------------------------------------------------------------------


def verification_url(code: str) -> str:
    """The absolute address of a certificate's public verification page (public:verify), from SITE_URL."""
    return f"{settings.SITE_URL}{reverse('public:verify', args=[code])}"


def wording_of(certificate: Certificate, template: CertificateTemplate) -> str:
    values = {
        "group": certificate.group_name,
        "enterprise": certificate.enterprise_name,
        "title": certificate.title,
        "category": certificate.category_name,
        "grade": certificate.grade,
        "edition": certificate.edition_name,
        "date": f"{certificate.issued_on.year}年{certificate.issued_on.month}月{certificate.issued_on.day}日",
        "member": certificate.member_name,
        "association": template.edition.association.name,
    }
    if certificate.member_name:
        if template.member_wording:
            return template.member_wording.format(**values)
        return f"{certificate.member_name}同志：\n" + template.wording.format(**values)
    return template.wording.format(**values)


def issuer_of(template: CertificateTemplate) -> str:
    """The issuing body printed above the date: the template's, or else the edition's association."""
    return template.issuing_body or template.edition.association.name


def _picture(field) -> bytes | None:
    if not field:
        return None
    try:
        with field.open("rb") as handle:
            return handle.read()
    except FileNotFoundError:
        logger.warning("Certificate picture %s is missing.", field.name)
        return None


def _qr_png(url: str) -> io.BytesIO:
    """The QR code of `url` as PNG. Its mask is fixed: any of the eight is a valid code (the reader takes it from the
    code's format information), and trying all eight for the best one cost 18 ms a certificate instead of 4."""
    out = io.BytesIO()
    segno.make(url, error="m", mask=QR_MASK).save(out, kind="png", scale=4, border=1)
    out.seek(0)
    return out


class Printer:
    """Draws certificates, one page each, into a document with the template's pictures read once."""

    def __init__(self, template: CertificateTemplate, *, title: str):
        self.template = template
        self.background = _picture(template.background)
        self.seal = _picture(template.seal)
        self.issuer = issuer_of(template)
        self.document = pdf.document(orientation="landscape", title=title, author=self.issuer)
        self.document.set_auto_page_break(auto=False)
        self.pages = 0

    def page(self, certificate: Certificate) -> int:
        doc, template = self.document, self.template
        doc.add_page()
        self.pages += 1
        if self.background:
            doc.image(io.BytesIO(self.background), x=0, y=0, w=297, h=210)
        else:
            doc.set_draw_color(166, 124, 0)
            doc.set_line_width(1.2)
            doc.rect(10, 10, 277, 190)
            doc.set_line_width(0.4)
            doc.rect(14, 14, 269, 182)
        doc.set_text_color(160, 20, 20)
        doc.set_font(pdf.SERIF, size=40)
        doc.set_xy(20, 28)
        doc.cell(257, 18, text=template.heading, align="C")
        doc.set_text_color(0, 0, 0)
        doc.set_font(pdf.SERIF, size=18)
        doc.set_xy(40, 62)
        doc.multi_cell(217, 11, text=wording_of(certificate, template))
        doc.set_font(pdf.SERIF, size=15)
        if self.seal:
            doc.image(io.BytesIO(self.seal), x=200, y=128, w=42)
        doc.set_xy(150, 145)
        doc.cell(120, 9, text=self.issuer, align="R")
        day = certificate.issued_on
        doc.set_xy(150, 155)
        doc.cell(120, 9, text=f"{day.year}年{day.month}月{day.day}日", align="R")
        doc.set_font(pdf.SERIF, size=10)
        doc.set_xy(24, 172)
        doc.cell(160, 6, text=f"证书编号：{certificate.number}")
        doc.set_xy(24, 179)
        doc.cell(160, 6, text=f"验证码：{certificate.code}")
        doc.set_font(pdf.SANS, size=7)
        doc.set_xy(24, 186)
        doc.cell(200, 5, text=verification_url(certificate.code))
        doc.image(_qr_png(verification_url(certificate.code)), x=252, y=163, w=24, h=24)
        return self.pages

    def output(self) -> bytes:
        return pdf.to_bytes(self.document)


def certificate_pdf(certificate: Certificate) -> bytes:
    """One certificate as its own document (an enterprise's download)."""
    printer = Printer(template_of(certificate.edition), title=f"荣誉证书 {certificate.number}")
    printer.page(certificate)
    return printer.output()


def file_name(certificate: Certificate) -> str:
    holder = certificate.member_name or certificate.group_name or certificate.enterprise_name
    unsafe = '<>:"/\\|?*;\r\n\t'
    return "".join("_" if ch in unsafe else ch for ch in f"荣誉证书-{holder}-{certificate.code}.pdf")


def archive_name(archive: CertificateArchive) -> str:
    category = archive.category
    return f"荣誉证书-{category.edition.year}-{category.name}-v{archive.run.publication.version}.zip"


def write_category_zip(*, template, category, certificates, target, on_page=None) -> int:
    """The category's certificates as one PDF and their list as CSV, zipped into `target`; returns how many."""
    printer = Printer(template, title=f"荣誉证书 {category.edition.name} {category.name}")
    index = io.StringIO()
    writer = csv.writer(index)
    writer.writerow(CSV_COLUMNS)
    for certificate in certificates:
        page = printer.page(certificate)
        writer.writerow(
            [
                csv_cell(value)
                for value in (
                    certificate.number,
                    certificate.code,
                    certificate.entry.code,
                    certificate.title,
                    certificate.group_name,
                    certificate.enterprise_name,
                    certificate.member_name,
                    certificate.grade,
                    page,
                )
            ]
        )
        if on_page is not None:
            on_page()
    stem = f"荣誉证书-{category.name}"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}.pdf", printer.output())
        archive.writestr(f"{stem}-清单.csv", "\ufeff" + index.getvalue())
    return printer.pages


def publication_certificates(publication):
    return (
        Certificate.objects.filter(publication=publication)
        .valid()
        .select_related("entry", "category")
        .order_by("category__position", "category_id", "sequence")
    )


def generate_certificates(*, run: CertificateRun, notify: bool = False) -> CertificateRun:
    """Issue the certificates of the run's publication and write a zip per category (the task's work)."""
    CertificateRun.objects.filter(pk=run.pk).update(status=CertificateRun.Status.RUNNING, progress=0, error="")
    try:
        total = issue_certificates(publication=run.publication)
        CertificateRun.objects.filter(pk=run.pk).update(certificates=total, progress=5)
        template = template_of(run.edition)
        by_category = defaultdict(list)
        for certificate in publication_certificates(run.publication).iterator(chunk_size=1000):
            by_category[certificate.category_id].append(certificate)
        done = 0

        def advance():
            nonlocal done
            done += 1
            if done % PROGRESS_EVERY == 0:
                CertificateRun.objects.filter(pk=run.pk).update(progress=5 + 94 * done // max(total, 1))

        run.archives.all().delete()
        categories = Category.objects.filter(pk__in=by_category).select_related("edition").order_by("position", "pk")
        for category in categories:
            with tempfile.TemporaryFile() as handle:
                count = write_category_zip(
                    template=template,
                    category=category,
                    certificates=by_category.pop(category.pk),
                    target=handle,
                    on_page=advance,
                )
                handle.seek(0)
                archive = CertificateArchive(run=run, category=category, certificates=count)
                archive.file.save(f"certificates-{run.pk}-{category.pk}.zip", File(handle), save=True)
    except Exception as error:
        CertificateRun.objects.filter(pk=run.pk).update(
            status=CertificateRun.Status.FAILED, error=f"{type(error).__name__}: {error}", finished_at=timezone.now()
        )
        raise
    CertificateRun.objects.filter(pk=run.pk).update(
        status=CertificateRun.Status.DONE, progress=100, finished_at=timezone.now()
    )
    run.refresh_from_db()
    if notify:
        notify_enterprises(publication=run.publication)
    return run


def queue_certificates(*, publication, by=None, notify: bool = False) -> CertificateRun:
    """A run for the publication, generated by the worker once the transaction commits (portal.outbox)."""
    run = CertificateRun.objects.create(edition_id=publication.edition_id, publication=publication, requested_by=by)
    outbox.queue_task("results.generate_certificates", run.pk, notify=notify)
    return run


@transaction.atomic
def regenerate_certificates(*, edition, by) -> CertificateRun:
    """An organiser's request to print the newest publication's certificates again (after changing the template):
    no e-mail this time. Kept in the audit."""
    publication = edition.publications.order_by("-version").first()
    if publication is None:
        raise ValidationError(_("The results are not published yet: certificates follow the publication."))
    run = queue_certificates(publication=publication, by=by)
    audit.record(
        edition=edition,
        user=by,
        action=audit.Action.CERTIFICATES_REQUESTED,
        target=f"v{publication.version}",
        new={"run": run.pk, "version": publication.version},
    )
    return run


def newest_run(edition) -> CertificateRun | None:
    return CertificateRun.objects.filter(edition=edition).select_related("publication").first()


# --- telling the enterprises, and the public ----------------------------------------------------------------


@transaction.atomic
def notify_enterprises(*, publication) -> int:
    """E-mail each enterprise with certificates in the publication the address of each (to download after logging
    in; its entry's page lists them too). Returns how many enterprises were written to."""
    by_enterprise = defaultdict(list)
    for certificate in publication_certificates(publication).select_related("entry__enterprise"):
        by_enterprise[certificate.entry.enterprise].append(certificate)
    for enterprise, certificates in by_enterprise.items():
        queue_email(
            to=enterprise_emails(enterprise),
            template="results/email/certificates_ready",
            context={
                "edition": publication.edition,
                "enterprise": enterprise,
                "certificates": certificates,
                "site_url": settings.SITE_URL,
            },
            signed_by=publication.edition.association.name,
        )
    return len(by_enterprise)


def find_certificate(code: str) -> Certificate | None:
    """The certificate with this verification code (typed in any case, with spaces or hyphens), or None."""
    code = normalise_code(code)
    if len(code) != CODE_LENGTH:
        return None
    return Certificate.objects.select_related("superseded_by", "publication", "edition").filter(code=code).first()


def entry_certificates(entry):
    """The entry's valid certificates, the group's first."""
    return Certificate.objects.filter(entry=entry).valid().order_by("member_name", "pk")
