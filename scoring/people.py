"""Judges managed in the portal: added one by one or from an Excel list (checked first, written on confirmation),
invited to set their password, and their declaration (保密承诺) for an edition before its first score sheet.

A judge is a portal.User with the judge role (name, e-mail, phone, employer, title) and a JudgeProfile (the
employer's credit code, the speciality, the invitation last sent). An invited judge has no usable password until
the invitation's link sets one: that is "accepted"."""

import io

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from events.models import PanelMember
from portal import invitations, spreadsheets
from portal.models import User
from portal.spreadsheets import ImportReport
from scoring.models import Declaration, JudgeProfile
from submissions import memberships
from submissions.models import Enterprise
from submissions.validators import normalise_credit_code, validate_credit_code

# The columns of the judge list, as associations keep it (data, not UI text). 姓名 and 电子邮箱 are required.
COL_NAME, COL_EMAIL, COL_PHONE, COL_EMPLOYER, COL_CODE, COL_TITLE, COL_SPECIALITY = (
    "姓名",
    "电子邮箱",
    "手机",
    "工作单位",
    "统一社会信用代码",
    "职称或职务",
    "专业特长",
)
COLUMNS = [COL_NAME, COL_EMAIL, COL_PHONE, COL_EMPLOYER, COL_CODE, COL_TITLE, COL_SPECIALITY]
REQUIRED = (COL_NAME, COL_EMAIL)
IDENTIFIERS = (COL_CODE, COL_PHONE)
MAX_ROWS = 2000
UPLOAD_KIND = "judges"


def judges(association):
    """The judges of the association's pool with their profiles, for its organisers' list."""
    pool = association.judges.filter(role=User.Role.JUDGE)
    return pool.select_related("judge_profile").order_by("full_name", "email")


has_accepted = invitations.has_accepted


# --- adding --------------------------------------------------------------------------------------


def _details(data: dict) -> tuple[dict, list[str]]:
    """One judge's details from a form or a row of the list, cleaned, and the reasons it cannot be written."""
    errors = []
    name = (data.get("full_name") or "").strip()
    email = (data.get("email") or "").strip().lower()
    code = normalise_credit_code(data.get("credit_code") or "")
    if not name:
        errors.append(_("the name is missing"))
    if not email:
        errors.append(_("the e-mail address is missing"))
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_("“%(email)s” is not an e-mail address") % {"email": email})
    if code:
        try:
            validate_credit_code(code)
        except ValidationError as error:
            errors.extend(error.messages)
    details = {
        "full_name": name[:100],
        "email": email,
        "phone": (data.get("phone") or "").strip()[:30],
        "organisation": (data.get("organisation") or "").strip()[:200],
        "title": (data.get("title") or "").strip()[:100],
        "credit_code": code,
        "speciality": (data.get("speciality") or "").strip()[:200],
    }
    return details, errors


def _not_a_judge(email: str) -> str:
    return _("%(email)s belongs to an account that is not a judge's") % {"email": email}


def _write(details: dict) -> tuple[User, bool]:
    """Create the judge (without a password: the invitation sets it) or update the judge with that e-mail."""
    user = User.objects.filter(email__iexact=details["email"]).first()
    created = user is None
    if created:
        user = User(email=details["email"], role=User.Role.JUDGE)
        user.set_unusable_password()
    for name in ("full_name", "phone", "organisation", "title"):
        if details[name] or created:
            setattr(user, name, details[name])
    user.save()
    profile, _created = JudgeProfile.objects.get_or_create(judge=user)
    profile.employer_credit_code = details["credit_code"] or profile.employer_credit_code
    profile.speciality = details["speciality"] or profile.speciality
    profile.save()
    # The employer registered on the portal is the judge's enterprise: recusals match on it (scoring.recusals).
    employer = Enterprise.objects.filter(credit_code=details["credit_code"]).first() if details["credit_code"] else None
    if employer is not None:
        memberships.set_membership(user, enterprise=employer)
    return user, created


@transaction.atomic
def add_judge(*, association, **data) -> User:
    """One judge from the form into the association's pool: created, or updated when a judge has that e-mail address
    already (a judge may be in the pools of several associations: one account)."""
    details, errors = _details(data)
    existing = User.objects.filter(email__iexact=details["email"]).first() if details["email"] else None
    if existing is not None and not existing.is_judge:
        errors.append(_not_a_judge(details["email"]))
    if errors:
        raise ValidationError(errors)
    judge = _write(details)[0]
    association.judges.add(judge)
    return judge


# --- the list ------------------------------------------------------------------------------------


def template_workbook() -> bytes:
    """An empty judge list with its columns; the identifiers' columns are text, so a code stays as typed."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "评委名单"
    sheet.append(COLUMNS)
    for number, name in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=number)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        sheet.column_dimensions[get_column_letter(number)].width = 24
        if name in IDENTIFIERS:
            sheet.column_dimensions[get_column_letter(number)].number_format = "@"
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    for line in (
        (COL_NAME, "必填"),
        (COL_EMAIL, "必填;评委用它登录,邀请发到这个地址;已有的评委按电子邮箱更新"),
        (COL_CODE, "工作单位的统一社会信用代码(18位),知道时填写:用于回避"),
        ("注意", f"不要合并单元格;每次最多 {MAX_ROWS} 行"),
    ):
        notes.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ROW_FIELDS = {
    COL_NAME: "full_name",
    COL_EMAIL: "email",
    COL_PHONE: "phone",
    COL_EMPLOYER: "organisation",
    COL_CODE: "credit_code",
    COL_TITLE: "title",
    COL_SPECIALITY: "speciality",
}


def import_judges(*, association, file, dry_run: bool = False) -> ImportReport:
    """Check every row of the list; with no bad row and not `dry_run`, write them all in one transaction.

    report.valid holds one dict per good row (its details, `row` and `exists`); report.existing counts the judges
    updated, report.created those created (0 on a dry run). A ValidationError for a file that cannot be read."""
    table = spreadsheets.read_table(file, columns=REQUIRED, max_rows=MAX_ROWS, identifiers=IDENTIFIERS)
    report = ImportReport(rows=len(table.rows))
    emails = {data.get(COL_EMAIL, "").strip().lower() for _n, data in table.rows}
    accounts = {user.email.lower(): user for user in User.objects.filter(email__in=emails)}
    seen = {}
    for number, data in table.rows:
        if number in table.refused:
            for reason in table.refused[number]:
                report.add_error(number, reason)
            continue
        details, errors = _details({field: data.get(column, "") for column, field in ROW_FIELDS.items()})
        account = accounts.get(details["email"])
        if account is not None and not account.is_judge:
            errors.append(_not_a_judge(details["email"]))
        if details["email"] in seen:
            errors.append(
                _("%(email)s is also in row %(row)s") % {"email": details["email"], "row": seen[details["email"]]}
            )
        seen.setdefault(details["email"], number)
        for error in errors:
            report.add_error(number, error)
        if not errors:
            report.valid.append({**details, "row": number, "exists": account is not None})
    report.existing = sum(1 for row in report.valid if row["exists"])
    if dry_run or not report.ok:
        return report
    with transaction.atomic():
        association.judges.add(*(_write(row)[0] for row in report.valid))
    report.created = len(report.valid) - report.existing
    report.updated = report.existing
    return report


# --- invitations ---------------------------------------------------------------------------------


@transaction.atomic
def invite(*, users, by) -> int:
    """E-mail each judge who has not accepted yet a link to set the password (portal.invitations), and note when.
    Returns how many were invited; an accepted judge is left out."""
    invited = 0
    now = timezone.now()
    for user in users:
        if invitations.send(user=user, by=by, template="scoring/email/judge_invitation"):
            JudgeProfile.objects.update_or_create(judge=user, defaults={"invited_at": now, "invited_by": by})
            invited += 1
    return invited


# --- declarations --------------------------------------------------------------------------------


def has_declared(*, judge, edition_id) -> bool:
    return Declaration.objects.filter(judge=judge, edition_id=edition_id).exists()


def declare(*, judge, edition, conflicts: str = "") -> Declaration:
    """The judge confirms the declaration for the edition; confirming again keeps the first confirmation."""
    if not judge.is_judge:
        raise ValidationError(_("Only a judge confirms the judges' declaration."))
    declaration, _created = Declaration.objects.get_or_create(
        judge=judge, edition=edition, defaults={"conflicts": conflicts.strip()}
    )
    return declaration


def panel_declarations(edition) -> list[tuple[User, Declaration | None]]:
    """Every judge on a panel of the edition, with the declaration confirmed (None while not)."""
    people = {
        seat.judge_id: seat.judge
        for seat in PanelMember.objects.filter(venue__edition=edition).select_related("judge").order_by("pk")
    }
    confirmed = {d.judge_id: d for d in Declaration.objects.filter(edition=edition, judge_id__in=people)}
    return sorted(
        ((user, confirmed.get(pk)) for pk, user in people.items()), key=lambda pair: (pair[0].full_name, pair[0].pk)
    )
