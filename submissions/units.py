"""Recommending units (推荐单位) and their users, managed by organisers in the portal: a user added to a unit (the unit
created by its name when new) gets an account without a password and an invitation to set one
(portal.invitations); the organisers see who has accepted."""

import io

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from portal import invitations, spreadsheets
from portal.spreadsheets import ImportReport
from submissions import memberships
from submissions.models import Membership, RecommendingUnit

User = get_user_model()


def units_with_users(association):
    """Every unit of the association with its members' accounts, in a fixed number of queries."""
    members = Membership.objects.select_related("user").order_by("user__full_name", "user__email")
    units = RecommendingUnit.objects.filter(association=association)
    return units.prefetch_related(Prefetch("memberships", queryset=members)).order_by("name")


def _problems(*, association, unit_name: str, full_name: str, email: str, user) -> list[str]:
    """Why a unit's user cannot be written (a form or a row of the list); none when it can."""
    problems = []
    if not unit_name or not full_name:
        problems.append(_("Give the unit's name and the person's name."))
    try:
        validate_email(email)
    except ValidationError:
        problems.append(_("“%(email)s” is not an e-mail address.") % {"email": email})
    if user is not None and user.role != User.Role.RECOMMENDER:
        problems.append(_("%(email)s belongs to an account of another role; use another address.") % {"email": email})
    elif user is not None:
        unit = memberships.recommending_unit_of(user)
        if unit is not None and unit.association_id != association.pk:
            problems.append(
                _("%(email)s is a user of a recommending unit of another association; use another address.")
                % {"email": email}
            )
    return problems


@transaction.atomic
def add_unit_user(*, association, unit_name: str, full_name: str, email: str, phone: str = "") -> User:
    """A user of the association's unit (the unit created when it has none of that name): a new account with the
    recommending-unit role and no password, or an existing account of one of its units moved to this unit."""
    unit_name, full_name, email = unit_name.strip(), full_name.strip(), email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    problems = _problems(association=association, unit_name=unit_name, full_name=full_name, email=email, user=user)
    if problems:
        raise ValidationError(problems)
    unit, _created = RecommendingUnit.objects.get_or_create(association=association, name=unit_name)
    if user is None:
        user = memberships.create_user(
            email=email, full_name=full_name, phone=phone.strip(), role=User.Role.RECOMMENDER, recommending_unit=unit
        )
    else:
        memberships.set_membership(user, recommending_unit=unit)
    return user


def invite(*, users, by) -> int:
    """E-mail each unit user who has not accepted yet the link to set the password; returns how many."""
    return sum(1 for user in users if invitations.send(user=user, by=by, template="submissions/email/unit_invitation"))


# --- the list of units' users --------------------------------------------------------------------

COL_UNIT, COL_NAME, COL_EMAIL, COL_PHONE = "推荐单位", "姓名", "电子邮箱", "手机"
COLUMNS = [COL_UNIT, COL_NAME, COL_EMAIL, COL_PHONE]
MAX_ROWS = 2000
UPLOAD_KIND = "unit-users"


def template_workbook() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "推荐单位用户"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["D"].number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def import_unit_users(*, association, file, dry_run: bool = False) -> ImportReport:
    """Check every row (推荐单位, 姓名, 电子邮箱 required; 手机); with no bad row and not `dry_run`, write them all in
    one transaction. report.valid: one dict per good row; report.existing: accounts already there."""
    table = spreadsheets.read_table(
        file, columns=[COL_UNIT, COL_NAME, COL_EMAIL], max_rows=MAX_ROWS, identifiers=(COL_PHONE,)
    )
    report = ImportReport(rows=len(table.rows))
    emails = {data.get(COL_EMAIL, "").strip().lower() for _n, data in table.rows}
    accounts = {user.email.lower(): user for user in User.objects.filter(email__in=emails)}
    seen = {}
    for number, data in table.rows:
        for reason in table.refused.get(number, []):
            report.add_error(number, reason)
        row = {
            "unit_name": data.get(COL_UNIT, "").strip(),
            "full_name": data.get(COL_NAME, "").strip(),
            "email": data.get(COL_EMAIL, "").strip().lower(),
            "phone": data.get(COL_PHONE, "").strip(),
        }
        user = accounts.get(row["email"])
        problems = _problems(
            association=association, user=user, **{key: row[key] for key in ("unit_name", "full_name", "email")}
        )
        if row["email"] in seen:
            problems.append(_("%(email)s is also in row %(row)s") % {"email": row["email"], "row": seen[row["email"]]})
        seen.setdefault(row["email"], number)
        for problem in problems:
            report.add_error(number, problem)
        if not problems and number not in table.refused:
            report.valid.append({**row, "row": number, "exists": user is not None})
    report.existing = sum(1 for row in report.valid if row["exists"])
    if dry_run or not report.ok:
        return report
    with transaction.atomic():
        for row in report.valid:
            add_unit_user(
                association=association, **{key: row[key] for key in ("unit_name", "full_name", "email", "phone")}
            )
    report.created = len(report.valid) - report.existing
    report.updated = report.existing
    return report
