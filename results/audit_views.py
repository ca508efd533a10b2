"""The organiser's audit page of an edition, and its export as .xlsx or .csv."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from events.models import Edition
from portal.spreadsheets import CSV_MIME, XLSX_MIME
from results import audit

KINDS = ("score", "results", "rules", "publication", "status")
EXPORTS = {"xlsx": XLSX_MIME, "csv": CSV_MIME}


def _edition(request, pk) -> Edition:
    edition = get_object_or_404(Edition.objects.select_related("association"), pk=pk)
    if not request.user.has_perm("events.change_edition", edition):
        raise PermissionDenied
    return edition


def _rows(request, edition):
    rows = audit.trail(edition)
    kind = request.GET.get("kind", "")
    if kind in KINDS:
        rows = [row for row in rows if row.kind == kind]
    return rows, kind if kind in KINDS else ""


@login_required
def edition_audit(request, edition_pk):
    edition = _edition(request, edition_pk)
    rows, kind = _rows(request, edition)
    page = Paginator(rows, 200).get_page(request.GET.get("page"))
    return render(
        request,
        "results/audit.html",
        {"edition": edition, "page": page, "rows": page, "kind": kind, "kinds": KINDS, "section": "audit"},
    )


@login_required
def edition_audit_export(request, edition_pk, fmt):
    edition = _edition(request, edition_pk)
    if fmt not in EXPORTS:
        raise Http404
    rows, kind = _rows(request, edition)
    content = audit.export_xlsx(rows, title=edition.name) if fmt == "xlsx" else audit.export_csv(rows)
    response = HttpResponse(content, content_type=EXPORTS[fmt])
    name = f"audit-{edition.year}-{edition.pk}{'-' + kind if kind else ''}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
