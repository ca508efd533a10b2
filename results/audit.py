"""The audit trail of an edition: who changed a score, an entry's status, a result, a grade rule or a publication,
when and why.

Four tables hold it: scoring.SheetAudit (every change to a score sheet), events.EditionStatusChange (the
edition's statuses) and events.AuditEvent (results runs, grade and scoring rules, publications). `trail()`
merges them, newest first, for the organiser's page and its Excel/CSV export.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from events import audit
from events.models import AuditEvent, Edition
from portal.spreadsheets import csv_bytes, print_layout, text_cell
from results.models import ResultRun
from scoring.models import SheetAudit

Action = AuditEvent.Action


@dataclass
class Row:
    at: datetime
    kind: str  # score, status, results, rules, publication
    action: str
    target: str
    user: str
    change: str
    reason: str


def describe(old, new) -> str:
    """An audit event's change in words (events.audit.describe), a computation run's statuses as their labels."""
    return audit.describe(old, new, statuses=dict(ResultRun.Status.choices))


def _name(user) -> str:
    if user is None:
        return _("the portal")
    return f"{user.get_full_name()} <{user.email}>"


def _target(event) -> str:
    """What an event is about in words: "#12" of a computation is run 12, "v2" of a publication version 2."""
    if event.target.startswith("#") and event.target[1:].isdigit():
        return f"{_('Computation run')} {event.target[1:]}"
    if event.action == Action.PUBLISHED and event.target.startswith("v") and event.target[1:].isdigit():
        return f"{_('Version')} {event.target[1:]}"
    return event.target


def trail(edition) -> list[Row]:
    """Every audited change of the edition, newest first, in four queries whatever its size."""
    rows = []
    for change in (
        SheetAudit.objects.filter(sheet__entry__edition=edition)
        .select_related("sheet__entry", "sheet__judge", "user")
        .order_by()
    ):
        sheet = change.sheet
        rows.append(
            Row(
                at=change.at,
                kind="score",
                action=str(change.get_action_display()),
                target=_("%(code)s, sheet of %(judge)s") % {"code": sheet.entry.code, "judge": sheet.judge.full_name},
                user=_name(change.user),
                change=change.change_text,
                reason=change.reason,
            )
        )
    labels = dict(Edition.Status.choices)
    for change in edition.status_changes.select_related("by").order_by():
        rows.append(
            Row(
                at=change.at,
                kind="status",
                action=str(_("edition status changed")),
                target=edition.name,
                user=_name(change.by),
                change=f"{labels.get(change.from_status, change.from_status)} → "
                f"{labels.get(change.to_status, change.to_status)}",
                reason="",
            )
        )
    kinds = {
        Action.RESULTS_REQUESTED: "results",
        Action.RESULTS_COMPUTED: "results",
        Action.RESULTS_FAILED: "results",
        Action.RESULTS_CANCELLED: "results",
        Action.RULES_CHANGED: "rules",
        Action.PUBLISHED: "publication",
        Action.RUBRIC_SWITCHED: "rules",
        Action.RECUSAL_DECLARED: "score",
        Action.RECUSAL_LIFTED: "score",
        Action.CERTIFICATE_TEMPLATE_CHANGED: "publication",
        Action.CERTIFICATES_REQUESTED: "publication",
    }
    for event in AuditEvent.objects.filter(edition=edition).select_related("user").order_by():
        rows.append(
            Row(
                at=event.at,
                kind=kinds.get(event.action, "results"),
                action=str(event.get_action_display()),
                target=_target(event),
                user=_name(event.user),
                change=describe(event.old_values, event.new_values),
                reason=event.reason,
            )
        )
    rows.sort(key=lambda row: row.at, reverse=True)
    return rows


# --- export ---------------------------------------------------------------------------------------


# The kinds of change in words, as the page's filter names them.
def _kinds() -> dict:
    return {
        "score": _("Scores"),
        "results": _("Results"),
        "rules": _("Grade rules"),
        "publication": _("Publications"),
        "status": _("Edition status"),
    }


def _columns() -> list[str]:
    return [_("When"), _("Kind"), _("Action"), _("What"), _("Who"), _("Change"), _("Reason")]


WIDTHS = (19, 12, 20, 26, 28, 48, 30)


def _values(row: Row, kinds: dict) -> list[str]:
    at = timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S")
    return [at, str(kinds.get(row.kind, row.kind)), row.action, row.target, row.user, row.change, row.reason]


def export_csv(rows: list[Row]) -> bytes:
    """The trail as CSV in UTF-8 with a byte-order mark, so Excel opens it."""
    kinds = _kinds()
    return csv_bytes(_columns(), (_values(row, kinds) for row in rows))


def export_xlsx(rows: list[Row], *, title: str = "") -> bytes:
    """The trail as a workbook that prints as a document: landscape A4 as wide as the page, `title` (the edition's
    name) in the header, the header row on every page, every cell wrapped in its sized column."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Audit"))
    print_layout(sheet, title=title or str(_("Audit")), repeat_rows="1:1", widths=WIDTHS)
    sheet.freeze_panes = "A2"
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    sheet.append([text_cell(sheet, str(name), font=bold, border=border, alignment=wrap) for name in _columns()])
    kinds = _kinds()
    for row in rows:
        sheet.append([text_cell(sheet, value, border=border, alignment=wrap) for value in _values(row, kinds)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
