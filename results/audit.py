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

from events.models import AuditEvent, Edition
from portal.spreadsheets import csv_bytes, text_cell
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


def _flatten(values, prefix="") -> dict[str, str]:
    flat = {}
    for key, value in (values or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, prefix=f"{name}."))
        elif isinstance(value, list):
            flat[name] = "; ".join(str(item) for item in value)
        else:
            flat[name] = "" if value is None else str(value)
    return flat


def describe(old, new) -> str:
    """The change between two value dicts, one "key: old → new" per changed key (nested keys joined by dots)."""
    before, after = _flatten(old), _flatten(new)
    lines = []
    for key in list(before) + [k for k in after if k not in before]:
        if before.get(key) != after.get(key):
            if key in before and key in after:
                lines.append(f"{key}: {before[key]} → {after[key]}")
            elif key in after:
                lines.append(f"{key}: {after[key]}")
            else:
                lines.append(f"{key}: {before[key]} → ∅")
    return "\n".join(lines)


def _name(user) -> str:
    if user is None:
        return _("the portal")
    return f"{user.get_full_name()} <{user.email}>"


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
                change=describe(change.old_values, change.new_values),
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
        Action.RULES_CHANGED: "rules",
        Action.PUBLISHED: "publication",
    }
    for event in AuditEvent.objects.filter(edition=edition).select_related("user").order_by():
        rows.append(
            Row(
                at=event.at,
                kind=kinds.get(event.action, "results"),
                action=str(event.get_action_display()),
                target=event.target,
                user=_name(event.user),
                change=describe(event.old_values, event.new_values),
                reason=event.reason,
            )
        )
    rows.sort(key=lambda row: row.at, reverse=True)
    return rows


# --- export ---------------------------------------------------------------------------------------


def _columns() -> list[str]:
    return [_("When"), _("Kind"), _("Action"), _("What"), _("Who"), _("Change"), _("Reason")]


def _values(row: Row) -> list[str]:
    at = timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S")
    return [at, row.kind, row.action, row.target, row.user, row.change, row.reason]


def export_csv(rows: list[Row]) -> bytes:
    """The trail as CSV in UTF-8 with a byte-order mark, so Excel opens it."""
    return csv_bytes(_columns(), (_values(row) for row in rows))


def export_xlsx(rows: list[Row]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Audit"))
    for column, width in zip("ABCDEFG", (20, 10, 24, 36, 36, 60, 40), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.append([str(name) for name in _columns()])
    for row in rows:
        sheet.append([text_cell(sheet, value) for value in _values(row)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
