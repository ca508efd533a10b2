"""An enterprise takes its data with it: one zip of its entries (with their history), members, files, users and
published results, as an Excel workbook and as JSON, and the files themselves."""

import io
import json
import tempfile
import zipfile

import openpyxl
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.styles import Font

from portal.spreadsheets import text_cell
from submissions import files, services
from submissions.models import Entry


def _entries(enterprise) -> list[Entry]:
    entries = (
        Entry.objects.filter(enterprise=enterprise)
        .select_related("edition", "category", "recommending_unit", "venue")
        .prefetch_related("members", "files", "transitions")
        .order_by("edition__year", "category__position", "created_at", "id")
    )
    return services.follow_entries(entries)


def enterprise_data(enterprise) -> dict:
    """Everything the export holds about the enterprise, as plain data (the JSON file)."""
    entries = _entries(enterprise)
    users = enterprise.memberships.select_related("user").order_by("user__email")
    return {
        "enterprise": {
            "name": enterprise.name,
            "credit_code": enterprise.credit_code,
            "province": enterprise.province,
            "industry": enterprise.industry,
            "parent_group": enterprise.parent_group,
            "address": enterprise.address,
            "status": enterprise.status,
        },
        "users": [
            {
                "full_name": membership.user.full_name,
                "email": membership.user.email,
                "administrator": membership.is_administrator,
            }
            for membership in users
        ],
        "entries": [_entry_data(entry) for entry in entries],
        "exported_at": timezone.now(),
    }


def _entry_data(entry: Entry) -> dict:
    outcome = entry.outcome
    return {
        "id": entry.pk,
        "edition": entry.edition.name,
        "category": entry.category.name,
        "code": entry.code,
        "title": entry.title,
        "group_name": entry.group_name,
        "topic_type": entry.topic_type,
        "sub_type": entry.sub_type,
        "registration_number": entry.registration_number,
        "completing_units": entry.completing_units,
        "speciality": entry.speciality,
        "activity_start": entry.activity_start,
        "activity_end": entry.activity_end,
        "presenter": entry.presenter,
        "workshop": entry.workshop,
        "team_leader": entry.team_leader,
        "recommending_unit": entry.recommending_unit.name if entry.recommending_unit else "",
        "summary": entry.summary,
        "status": entry.status,
        "submitted_at": entry.submitted_at,
        "members": [
            {"name": m.name, "group_role": m.group_role, "post": m.post, "is_leader": m.is_leader}
            for m in entry.members.all()
        ],
        "files": [
            {"kind": f.kind, "name": _file_path(entry, f), "size": f.size, "sha256": f.sha256}
            for f in entry.files.all()
        ],
        "history": [
            {"at": t.at, "from": t.from_status, "to": t.to_status, "reason": t.reason} for t in entry.transitions.all()
        ],
        "venue": (
            {
                "name": entry.slot["venue"].name,
                "room": entry.slot["venue"].room,
                "position": entry.slot["position"],
                "starts": entry.slot["starts"],
            }
            if entry.slot
            else None
        ),
        "result": (
            {
                "final_score": outcome["final_score"],
                "rank": outcome["rank"],
                "rank_within": outcome["rank_scope"],
                "scope_name": outcome["scope_name"],
                "grade": outcome["grade"],
                "publication_version": outcome["version"],
            }
            if outcome
            else None
        ),
    }


def _file_path(entry: Entry, stored) -> str:
    return f"files/{entry.pk}/{stored.kind}-{files.download_name(stored.original_name, stored.content_type)}"


def _workbook(data: dict) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    bold = {"font": Font(bold=True)}

    def sheet(title, headers, rows):
        ws = workbook.create_sheet(title)
        ws.append([text_cell(ws, str(h), **bold) for h in headers])
        for row in rows:
            ws.append([text_cell(ws, value) for value in row])

    entries = data["entries"]
    sheet(
        _("Entries"),
        [_("Entry code"), _("Edition"), _("Category"), _("Title"), _("Group or team name"), _("Presenter"),
         _("Status"), _("Submitted"), _("Venue")],
        [
            [e["code"], e["edition"], e["category"], e["title"], e["group_name"], e["presenter"], e["status"],
             timezone.localtime(e["submitted_at"]).strftime("%Y-%m-%d %H:%M") if e["submitted_at"] else "",
             e["venue"]["name"] if e["venue"] else ""]
            for e in entries
        ],
    )  # fmt: skip
    sheet(
        _("Members"),
        [_("Title"), _("Name"), _("Role in the group"), _("Title or post"), _("Group leader")],
        [[e["title"], m["name"], m["group_role"], m["post"], _("yes") if m["is_leader"] else ""]
         for e in entries for m in e["members"]],
    )  # fmt: skip
    sheet(
        _("Results"),
        [_("Entry code"), _("Title"), _("Final score"), _("Rank"), _("Ranked within"), _("Grade")],
        [[e["code"], e["title"], e["result"]["final_score"], e["result"]["rank"], e["result"]["scope_name"],
          e["result"]["grade"]] for e in entries if e["result"]],
    )  # fmt: skip
    sheet(
        _("Users"),
        [_("Name"), _("E-mail"), _("Administrator")],
        [[u["full_name"], u["email"], _("yes") if u["administrator"] else ""] for u in data["users"]],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def enterprise_zip(enterprise):
    """The zip as a temporary file, rewound (kept on disk past a few megabytes: files can be large)."""
    data = enterprise_data(enterprise)
    target = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (the response closes it)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
        archive.writestr("data.xlsx", _workbook(data))
        for entry in Entry.objects.filter(enterprise=enterprise).prefetch_related("files"):
            for stored in entry.files.all():
                try:
                    with stored.file.open("rb") as handle, archive.open(_file_path(entry, stored), "w") as out:
                        while chunk := handle.read(1024 * 1024):
                            out.write(chunk)
                except FileNotFoundError:
                    continue
    target.seek(0)
    return target
