"""The recommendation list (推荐汇总表): its Excel template, and importing it as draft entries.

Every row is checked before anything is written; each bad row is reported with its row number in the
sheet and its reasons. Nothing is written while a row is bad, unless the user asks to import only the
valid rows. The natural key of an entry (edition, enterprise, title) makes a second import of the same
file create nothing new.
"""

import io
import logging
import re
from collections import Counter
from dataclasses import dataclass

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from events.models import Category
from portal import import_jobs, spreadsheets, uploads
from portal.mail import queue_email
from portal.spreadsheets import ImportReport
from submissions import files, memberships, services
from submissions.models import (
    DeletedDraft,
    Enterprise,
    Entry,
    EntryTransition,
    Member,
    Recommendation,
    RecommendingUnit,
)
from submissions.validators import normalise_credit_code, validate_credit_code

# The columns of the list, as organisers and recommending units know them (data, not UI text).
COLUMNS = [
    "序号",
    "类别",
    "课题名称",
    "小组名称",
    "课题类型",
    "问题解决型子类",
    "申报单位",
    "统一社会信用代码",
    "推荐单位",
    "发表人",
    "成员",
]
# Optional columns, read when the list has them (older lists do not): 组长 is the group leader, the first member.
LEADER = "组长"
# The template's columns: the group leader before the members.
TEMPLATE_COLUMNS = [*COLUMNS[:-1], LEADER, COLUMNS[-1]]
TOPIC_TYPES = {"问题解决型": Entry.TopicType.PROBLEM_SOLVING, "创新型": Entry.TopicType.INNOVATION}
SUB_TYPES = {
    "现场型": Entry.SubType.SITE,
    "攻关型": Entry.SubType.TACKLE,
    "管理型": Entry.SubType.MANAGEMENT,
    "服务型": Entry.SubType.SERVICE,
}
logger = logging.getLogger(__name__)

# Names in the 成员 cell are separated however people type them: 、 ， , ； ; line breaks inside the cell, and runs
# of spaces (ASCII or the full-width U+3000).
MEMBER_SEPARATORS = re.compile(r"[、,，;；\s\u3000]+")
MAX_ROWS = 10_000
# The template's column widths in characters, wide enough for what goes in them (an 18-character credit code whole).
TEMPLATE_WIDTHS = (6, 16, 30, 20, 12, 14, 30, 22, 24, 10, 10, 30)
MAX_MEMBERS = 50


@dataclass
class PlannedEntry:
    row: int
    category: Category
    enterprise_id: int
    title: str
    group_name: str
    topic_type: str
    sub_type: str
    presenter: str
    recommending_unit_id: int | None
    members: list[str]
    enterprise_name: str = ""  # for the import's preview
    leader: str = ""  # the group leader (组长), if the list names one


# --- template ------------------------------------------------------------------------------------


def template_workbook(*, edition=None) -> bytes:
    """An empty recommendation list with the expected columns and a sheet explaining them."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "推荐汇总表"
    title = edition.name if edition else sheet.title
    spreadsheets.print_layout(sheet, title=title, widths=TEMPLATE_WIDTHS)
    sheet.append(TEMPLATE_COLUMNS)
    for number, _name in enumerate(TEMPLATE_COLUMNS, start=1):
        cell = sheet.cell(row=1, column=number)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    # The credit-code column is text: a code typed of digits only stays as typed instead of becoming a number.
    sheet.column_dimensions[get_column_letter(TEMPLATE_COLUMNS.index("统一社会信用代码") + 1)].number_format = "@"
    sheet.freeze_panes = "A2"
    for column, values in (("E", TOPIC_TYPES), ("F", SUB_TYPES)):
        validation = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
        validation.add(f"{column}2:{column}{MAX_ROWS + 1}")
        sheet.add_data_validation(validation)
    notes = workbook.create_sheet("填写说明")
    categories = list(edition.categories.order_by("position")) if edition else []
    lines = [
        ("类别", "、".join(f"{c.name}({c.code})" for c in categories) or "活动的类别名称或代码"),
        ("课题名称", "必填;同一申报单位在同一届活动中不重复"),
        ("小组名称", "QC小组成果、质量信得过班组成果必填"),
        ("课题类型", "QC小组成果必填:" + "、".join(TOPIC_TYPES)),
        ("问题解决型子类", "问题解决型必填:" + "、".join(SUB_TYPES)),
        ("统一社会信用代码", "必填;申报单位须已在平台注册并通过审核"),
        ("推荐单位", "推荐单位的全称;推荐单位用户可留空"),
        ("组长", "小组组长(发表成果的小组的组长)姓名;可留空,提交前在成果页补填"),
        ("成员", "组长以外的成员;姓名之间用顿号(、)、逗号、分号、空格或换行(Alt+Enter)分隔"),
        ("注意", f"不要合并单元格;每次最多 {MAX_ROWS} 行"),
    ]
    spreadsheets.print_layout(notes, title=title, landscape=False, repeat_rows=None, widths=(18, 80), one_page=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in lines:
        notes.append(line)
        for cell in notes[notes.max_row]:
            cell.alignment = wrap
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading ---------------------------------------------------------------------------------------------


IDENTIFIERS = ("统一社会信用代码",)


def read_list(upload) -> spreadsheets.Table:
    """The list's data rows (row number in the sheet, {column: text}) and the rows refused while reading (a credit
    code that became a number); ValidationError for a bad file."""
    return spreadsheets.read_table(upload, columns=COLUMNS, max_rows=MAX_ROWS, identifiers=IDENTIFIERS)


def split_members(text: str) -> list[str]:
    """The member names of a 成员 cell, in order, without empty ones."""
    return [name for name in MEMBER_SEPARATORS.split(text or "") if name]


# --- checking ------------------------------------------------------------------------------------


def _enterprises_by_code(codes: set[str]) -> dict[str, Enterprise]:
    found, codes = {}, sorted(codes)
    for start in range(0, len(codes), 500):
        for enterprise in Enterprise.objects.filter(credit_code__in=codes[start : start + 500]).only(
            "id", "credit_code", "status", "name"
        ):
            found[enterprise.credit_code] = enterprise
    return found


def _check_unit(text: str, *, by, units: dict[str, RecommendingUnit], errors: list[str]) -> int | None:
    own = memberships.recommending_unit_of(by) if getattr(by, "is_recommender", False) else None
    if own is not None:
        if text and text != own.name:
            errors.append(_("a recommending unit can only recommend in its own name (%(unit)s)") % {"unit": own.name})
        return own.pk
    if not text:
        return None
    unit = units.get(text)
    if unit is None:
        errors.append(_("unknown recommending unit “%(unit)s”") % {"unit": text})
        return None
    return unit.pk


def check_rows(rows: list[tuple[int, dict]], *, edition, by, refused: dict | None = None) -> ImportReport:
    """Check every row against the edition and the database; nothing is written. A row in `refused` (row number ->
    reasons, from reading the file) is reported with those reasons and not checked further."""
    refused = refused or {}
    report = ImportReport(rows=len(rows))
    categories = {}
    for category in Category.objects.filter(edition=edition):
        categories[category.name] = category
        categories[category.code.upper()] = category
    category_names = "、".join(sorted({c.name for c in categories.values()}))
    units = {unit.name: unit for unit in RecommendingUnit.objects.filter(association=edition.association_id)}
    enterprises = _enterprises_by_code({normalise_credit_code(data.get("统一社会信用代码", "")) for _n, data in rows})
    existing = set(Entry.objects.filter(edition=edition).values_list("enterprise_id", "title"))
    # A recommended draft its enterprise deleted is not brought back by importing the list again.
    deleted = set(
        DeletedDraft.objects.filter(edition=edition, unit__isnull=False).values_list("enterprise_id", "title")
    )
    used = Counter(
        {
            (row["enterprise_id"], row["category_id"]): row["n"]
            for row in Entry.objects.filter(edition=edition)
            .counting_for_quota()
            .values("enterprise_id", "category_id")
            .annotate(n=Count("id"))
        }
    )
    first_row_of = {}
    for number, data in rows:
        if number in refused:
            report.errors.append((number, list(refused[number])))
            continue
        errors: list[str] = []
        category = categories.get(data.get("类别", "")) or categories.get(data.get("类别", "").upper())
        if not data.get("类别"):
            errors.append(_("the category is empty"))
        elif category is None:
            errors.append(
                _("unknown category “%(value)s” (this edition has: %(names)s)")
                % {"value": data["类别"], "names": category_names}
            )
        title = data.get("课题名称", "")
        if not title:
            errors.append(_("the title is empty"))
        elif len(title) > 200:
            errors.append(_("the title is longer than 200 characters"))
        group_name = data.get("小组名称", "")
        if len(group_name) > 200:
            errors.append(_("the group name is longer than 200 characters"))
        elif not group_name and category and category.kind in (Category.Kind.QC, Category.Kind.TRUSTED_TEAM):
            errors.append(_("the group name is empty"))
        topic_type = sub_type = ""
        if category and category.kind == Category.Kind.QC:
            topic_type = TOPIC_TYPES.get(data.get("课题类型", ""), "")
            if not topic_type:
                errors.append(_("the topic type must be one of %(values)s") % {"values": "、".join(TOPIC_TYPES)})
            if topic_type == Entry.TopicType.PROBLEM_SOLVING:
                sub_type = SUB_TYPES.get(data.get("问题解决型子类", ""), "")
                if not sub_type:
                    errors.append(
                        _("the problem-solving sub-type must be one of %(values)s") % {"values": "、".join(SUB_TYPES)}
                    )
        code = normalise_credit_code(data.get("统一社会信用代码", ""))
        enterprise = None
        try:
            validate_credit_code(code)
        except ValidationError as error:
            errors.append(_("credit code “%(code)s”: %(reason)s") % {"code": code, "reason": error.messages[0]})
        else:
            enterprise = enterprises.get(code)
            if enterprise is None:
                errors.append(
                    _("no enterprise with credit code %(code)s is registered on the portal; it must register first")
                    % {"code": code}
                )
            elif not enterprise.is_approved:
                errors.append(_("the enterprise %(name)s is not approved yet") % {"name": enterprise.name})
        unit_id = _check_unit(data.get("推荐单位", ""), by=by, units=units, errors=errors)
        presenter = data.get("发表人", "")
        if len(presenter) > 100:
            errors.append(_("the presenter's name is longer than 100 characters"))
        leader = data.get(LEADER, "")
        if len(leader) > 100:
            errors.append(_("the group leader's name is longer than 100 characters"))
        members = [name for name in split_members(data.get("成员", "")) if name != leader]
        if len(members) + bool(leader) > MAX_MEMBERS:
            errors.append(_("more than %(max)s members") % {"max": MAX_MEMBERS})
        if any(len(name) > 100 for name in members):
            errors.append(_("a member's name is longer than 100 characters"))
        if not errors and enterprise is not None and category is not None:
            key = (enterprise.pk, title)
            if key in first_row_of:
                errors.append(_("the same entry as row %(row)s") % {"row": first_row_of[key]})
            elif key in existing:
                report.existing += 1
                first_row_of[key] = number
                continue
            elif key in deleted:
                errors.append(
                    _("%(name)s deleted the draft made from this row earlier; it is not imported again")
                    % {"name": enterprise.name}
                )
            else:
                first_row_of[key] = number
                quota = category.quota_per_enterprise
                if quota is not None and used[(enterprise.pk, category.pk)] >= quota:
                    errors.append(
                        ngettext(
                            "%(name)s already has %(count)s entry in %(category)s, the most allowed",
                            "%(name)s already has %(count)s entries in %(category)s, the most allowed",
                            quota,
                        )
                        % {"name": enterprise.name, "count": quota, "category": category.name}
                    )
                else:
                    used[(enterprise.pk, category.pk)] += 1
        if errors:
            report.errors.append((number, errors))
            continue
        report.valid.append(
            PlannedEntry(
                row=number,
                category=category,
                enterprise_id=enterprise.pk,
                title=title,
                group_name=group_name,
                topic_type=topic_type,
                sub_type=sub_type,
                presenter=presenter,
                recommending_unit_id=unit_id,
                members=members,
                enterprise_name=enterprise.name,
                leader=leader,
            )
        )
    return report


# --- importing -----------------------------------------------------------------------------------


def _propose(*, edition, planned: list[PlannedEntry], by) -> None:
    """A unit's list proposes the unit as each listed enterprise's recommender, pending until the enterprise confirms
    (submitting a recommended draft confirms it); an organiser's import confirms it."""
    side = Recommendation.Side.UNIT if getattr(by, "is_recommender", False) else Recommendation.Side.ORGANISER
    pairs = sorted({(row.enterprise_id, row.recommending_unit_id) for row in planned if row.recommending_unit_id})
    for enterprise_id, unit_id in pairs:
        services.propose_recommendation(
            edition=edition,
            enterprise=Enterprise(pk=enterprise_id),
            unit=RecommendingUnit(pk=unit_id),
            side=side,
            by=by,
        )


def _members(entry: Entry, planned: PlannedEntry) -> list[Member]:
    """The entry's members: the group leader (组长) first, when the list names one, then the 成员 cell's names."""
    members = []
    if planned.leader:
        members.append(Member(entry=entry, position=0, name=planned.leader, group_role=LEADER, is_leader=True))
    members += [Member(entry=entry, position=n, name=name) for n, name in enumerate(planned.members, start=1)]
    return members


def _tell_enterprises(*, edition, entries: list[Entry]) -> None:
    """One e-mail to each enterprise the list created drafts for, listing them (sent after the import commits)."""
    by_enterprise: dict[int, list[Entry]] = {}
    for entry in entries:
        by_enterprise.setdefault(entry.enterprise_id, []).append(entry)
    units = dict(
        RecommendingUnit.objects.filter(pk__in={e.recommending_unit_id for e in entries}).values_list("pk", "name")
    )
    for enterprise in Enterprise.objects.filter(pk__in=by_enterprise):
        drafts = by_enterprise[enterprise.pk]
        names = sorted({units[e.recommending_unit_id] for e in drafts if e.recommending_unit_id in units})
        queue_email(
            to=services.enterprise_emails(enterprise),
            template="submissions/email/recommended_drafts",
            context={
                "edition": edition,
                "enterprise": enterprise,
                "entries": drafts,
                "unit_names": "、".join(names),
                "site_url": settings.SITE_URL,
            },
            signed_by=edition.association.name,
        )


def import_recommendations(
    *, upload, edition, by, valid_rows_only: bool = False, dry_run: bool = False, progress=None
) -> ImportReport:
    """Check the list, then create its entries as drafts of their enterprises, all in one transaction.

    With dry_run, only check: the report holds the entries the list would create (report.valid), the rows already
    imported (report.existing, skipped) and the refused rows with their reasons; nothing is written. `progress`, when
    given, is called with the percentage done after each step (read, checked)."""
    table = read_list(upload)
    if progress:
        progress(30)
    report = check_rows(table.rows, edition=edition, by=by, refused=table.refused)
    if progress:
        progress(60)
    if dry_run or (report.errors and not valid_rows_only):
        return report
    if not report.valid:
        return report
    reason = _("Imported from the recommendation list %(file)s") % {
        "file": files.clean_original_name(getattr(upload, "name", ""))
    }
    try:
        with transaction.atomic():
            entries = Entry.objects.bulk_create(
                Entry(
                    edition=edition,
                    category=planned.category,
                    enterprise_id=planned.enterprise_id,
                    recommending_unit_id=planned.recommending_unit_id,
                    title=planned.title,
                    group_name=planned.group_name,
                    topic_type=planned.topic_type,
                    sub_type=planned.sub_type,
                    presenter=planned.presenter,
                    status=Entry.Status.DRAFT,
                    recommended_draft=True,  # takes no place of the enterprise's quota until it submits it
                    created_by=by,
                )
                for planned in report.valid
            )
            Member.objects.bulk_create(
                member
                for entry, planned in zip(entries, report.valid, strict=True)
                for member in _members(entry, planned)
            )
            EntryTransition.objects.bulk_create(
                EntryTransition(entry=entry, from_status="", to_status=Entry.Status.DRAFT, by=by, reason=reason)
                for entry in entries
            )
            _propose(edition=edition, planned=report.valid, by=by)
            _tell_enterprises(edition=edition, entries=entries)
    except IntegrityError:
        raise ValidationError(_("Some of these entries were created by someone else meanwhile. Upload the list again."))
    except DatabaseError:
        # The database refused a write (full disk, lost connection, a lock timeout...): the transaction is
        # rolled back whole, so say so plainly instead of failing with a server error.
        logger.exception("Import of the recommendation list into edition %s failed in the database", edition.pk)
        raise ValidationError(
            _(
                "The database refused to save the list, so nothing was imported. "
                "Upload it again in a moment; if this happens again, tell the organiser."
            )
        )
    report.created = len(entries)
    return report


# --- importing in the background -------------------------------------------------------------------------

# Rows refused at the confirmation that a background import's messages list (the page has no report to show).
ERRORS_TOLD = 20


def upload_kind(edition) -> str:
    """What a stashed recommendation list is for (portal.uploads): the import into its edition."""
    return f"recommendations:{edition.pk}"


def outcome(report: ImportReport, *, valid_rows_only: bool) -> tuple[str, list[str]]:
    """What an import's confirmation tells its user: (level, messages), level "success", "info" or "error"."""
    if report.errors and not valid_rows_only and report.valid:
        return "error", [_("Nothing was imported: correct the rows below, or import only the valid rows.")]
    if report.created:
        return "success", [_("%(count)s entries imported as drafts.") % {"count": report.created}]
    if report.errors and not report.valid:
        return "error", [_("Nothing can be imported: correct the rows below and upload the list again.")]
    return "info", [_("Nothing new to import.")]


def import_stashed(*, job: str, token: str, edition, by, valid_rows_only: bool) -> ImportReport | None:
    """Import the list the token names (portal.uploads) as the task submissions.import_recommendations does, telling
    the job (portal.import_jobs) its progress and outcome, the rows refused included. All or nothing, as in a
    request; the stashed file is removed either way (the page offers to upload it again)."""
    import_jobs.progress(job, 5)
    try:
        upload = uploads.load(token, by=by, kind=upload_kind(edition))
        report = import_recommendations(
            upload=upload,
            edition=edition,
            by=by,
            valid_rows_only=valid_rows_only,
            progress=lambda percent: import_jobs.progress(job, percent),
        )
    except ValidationError as error:
        uploads.discard(token)
        import_jobs.finish(job, level="error", messages=error.messages)
        return None
    uploads.discard(token)
    level, messages = outcome(report, valid_rows_only=valid_rows_only)
    if level == "error":
        messages = [
            *messages,
            *(
                _("Row %(row)s: %(reason)s") % {"row": row, "reason": reason}
                for row, reason in report.messages[:ERRORS_TOLD]
            ),
        ]
    import_jobs.finish(job, level=level, messages=messages)
    return report
