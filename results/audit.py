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

from events.models import AuditEvent, Category, Edition
from portal.spreadsheets import csv_bytes, print_layout, text_cell
from scoring.models import ScoreSheet, SheetAudit

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


# Keys of the stored values that mean nothing to a reader (a hash of the computation's inputs): left out.
HIDDEN_KEYS = {"fingerprint"}


def _labels() -> dict:
    """The stored values' keys in words, and how to say each one's values (None: as stored)."""
    return {
        "status": (_("Status"), dict(ScoreSheet.Status.choices)),
        "comment": (_("Comment"), None),
        "signed_off_at": (_("Signed off at"), None),
        "signed_off_by": (_("Signed off by"), None),
        "aggregation": (_("Aggregation"), dict(Category.Aggregation.choices)),
        "min_sheets": (_("Minimum sheets"), None),
        "ranking_scope": (_("Ranking scope"), dict(Category.Scope.choices)),
        "version": (_("Version"), None),
        "run": (_("Computation run"), None),
        "entries": (_("Entries"), None),
        "new results": (_("New results"), None),
        "error": (_("Error"), None),
        "…": (_("More changed entries"), None),
        "rubric": (_("Rubric"), None),
        "innovation_rubric": (_("Rubric for innovation results"), None),
        "excluded_sheets": (_("Score sheets left out"), None),
        "source": (_("Source"), None),
        "recusal_reason": (_("Reason for the recusal"), None),
    }


def _label(key: str, labels: dict) -> tuple[str, dict | None]:
    """(the key in words, the words of its values) for a stored key such as "status", "points.选题" or
    "grades.一等奖"; any other key (an entry's code, a category's name) is already words."""
    if key in labels:
        return labels[key]
    group, _dot, name = key.partition(".")
    if group == "points" and name:
        return _("%(criterion)s points") % {"criterion": name}, None
    if group == "grades" and name:
        return _("Grade %(grade)s") % {"grade": name}, None
    return key, None


def describe(old, new) -> str:
    """The change between two value dicts in words, one "label: old → new" per changed key: keys as labels
    ("status" → "Status", "points.选题" → "选题 points"), codes as their labels ("draft" → "Draft"), technical keys
    (HIDDEN_KEYS) left out. The page and the exports show this same text."""
    before, after = _flatten(old), _flatten(new)
    labels = _labels()
    lines = []
    for key in list(before) + [k for k in after if k not in before]:
        if key.split(".")[0] in HIDDEN_KEYS or before.get(key) == after.get(key):
            continue
        label, words = _label(key, labels)

        def said(value, words=words):
            if value == "":
                return str(_("(none)"))
            return str(words.get(value, value)) if words else value

        if key in before and key in after:
            lines.append(f"{label}: {said(before[key])} → {said(after[key])}")
        elif key in after:
            lines.append(f"{label}: {said(after[key])}")
        else:
            lines.append(f"{label}: {said(before[key])} → {said('')}")
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
        Action.RESULTS_CANCELLED: "results",
        Action.RULES_CHANGED: "rules",
        Action.PUBLISHED: "publication",
        Action.RUBRIC_SWITCHED: "rules",
        Action.RECUSAL_DECLARED: "score",
        Action.RECUSAL_LIFTED: "score",
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
