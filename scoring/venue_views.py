"""The organisers' venue tools: assignment, the draw, schedules, recusals, paper sheets, the audit, the live board."""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from events.models import Category, Edition, Venue
from portal import import_jobs, pdf, uploads
from portal.spreadsheets import XLSX_MIME
from scoring import assignment, paper_sheets, printable, progress, recusals
from scoring.forms import (
    AssignForm,
    DeclareRecusalForm,
    DrawForm,
    MoveForm,
    PaperSheetConfirmForm,
    PaperSheetImportForm,
    ReasonForm,
)
from scoring.models import Recusal, SheetAudit
from scoring.views import check_perm, error_text, load_venue
from submissions.models import Entry

# --- organisers -----------------------------------------------------------------------------------


@login_required
def category_venues(request, category_pk):
    category = get_object_or_404(Category.objects.select_related("edition__association"), pk=category_pk)
    check_perm(request, "scoring.manage_venue", category)
    venues = list(category.venues.order_by("name"))
    by_venue = defaultdict(list)
    for entry in Entry.objects.filter(venue__in=venues).select_related("enterprise"):
        by_venue[entry.venue_id].append(entry)
    schedules = [(venue, assignment.venue_schedule(venue=venue, entries=by_venue[venue.pk])) for venue in venues]
    unassigned = Entry.objects.filter(
        category=category, status=Entry.Status.ACCEPTED, venue__isnull=True
    ).select_related("enterprise")
    return render(
        request,
        "scoring/organiser/venues.html",
        {
            "category": category,
            "schedules": schedules,
            "unassigned": unassigned,
            "assign_form": AssignForm(),
            "open_venues": [venue for venue in venues if not venue.is_signed_off],
            "draw_form": DrawForm(),
        },
    )


@login_required
@require_POST
def assign(request, category_pk):
    category = get_object_or_404(Category, pk=category_pk)
    check_perm(request, "scoring.manage_venue", category)
    form = AssignForm(request.POST)
    form.is_valid()
    try:
        placed = assignment.assign_entries(category=category, reassign=form.cleaned_data.get("reassign", False))
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("%(count)s entries assigned.") % {"count": sum(placed.values())})
    return redirect("scoring:category_venues", category_pk=category.pk)


@login_required
@require_POST
def move(request, entry_pk):
    entry = get_object_or_404(Entry.objects.select_related("category"), pk=entry_pk)
    check_perm(request, "scoring.manage_venue", entry)
    form = MoveForm(request.POST, category=entry.category)
    if not form.is_valid():
        messages.error(request, _("Choose an open venue of the entry's category."))
    else:
        try:
            assignment.move_entry(entry=entry, venue=form.cleaned_data["venue"])
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(
                request, _("%(code)s moved to %(venue)s.") % {"code": entry.code, "venue": form.cleaned_data["venue"]}
            )
    return redirect("scoring:category_venues", category_pk=entry.category_id)


@login_required
@require_POST
def draw(request, venue_pk):
    venue = load_venue(venue_pk)
    check_perm(request, "scoring.manage_venue", venue)
    form = DrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The seed can have at most 64 characters."))
    else:
        try:
            assignment.draw_running_order(venue=venue, seed=form.cleaned_data["seed"])
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            venue.refresh_from_db()
            messages.success(
                request,
                _("Running order of %(venue)s drawn with seed %(seed)s.") % {"venue": venue, "seed": venue.draw_seed},
            )
    return redirect("scoring:category_venues", category_pk=venue.category_id)


@login_required
def schedule(request, venue_pk):
    venue = load_venue(venue_pk)
    check_perm(request, "scoring.view_schedule", venue)
    template = (
        "scoring/organiser/schedule_print.html" if request.GET.get("print") else "scoring/organiser/schedule.html"
    )
    return render(
        request,
        template,
        {
            "venue": venue,
            "slots": assignment.venue_schedule(venue=venue),
            "panel": venue.panel.select_related("judge"),
        },
    )


@login_required
def score_sheets(request, venue_pk, judge_pk=None):
    """The venue's printable score sheets (PDF), a page per judge of its panel, or only the sheets of one judge."""
    venue = load_venue(venue_pk)
    check_perm(request, "scoring.print_sheets", venue)
    seats = printable.panel_of(venue, judge_id=judge_pk)
    if judge_pk is not None and not seats:
        raise Http404(_("This judge does not sit on this venue's panel."))
    response = HttpResponse(printable.score_sheets_pdf(venue=venue, seats=seats), content_type=pdf.PDF_MIME)
    suffix = f"-{judge_pk}" if judge_pk is not None else ""
    response["Content-Disposition"] = f'inline; filename="score-sheets-{venue.pk}{suffix}.pdf"'
    return response


def _recusal_rows(edition):
    return (
        Recusal.objects.filter(entry__edition=edition)
        .select_related("entry__venue", "judge", "created_by", "lifted_by")
        .order_by("entry__venue__name", "entry__code", "judge__full_name")
    )


@login_required
def recusal_list(request, edition_pk):
    edition = get_object_or_404(Edition.objects.select_related("association"), pk=edition_pk)
    check_perm(request, "scoring.manage_venue", edition)
    rows = _recusal_rows(edition)
    return _recusal_page(request, edition, rows, DeclareRecusalForm(edition=edition, prefix="declare"))


def _recusal_page(request, edition, rows, declare_form, status=200):
    return render(
        request,
        "scoring/organiser/recusals.html",
        {
            "edition": edition,
            "recusals": rows,
            "lift_form": ReasonForm(prefix="lift"),
            "declare_form": declare_form,
            "entrant_text": Recusal.Source.ENTRANT_TEXT,
        },
        status=status,
    )


@login_required
@require_POST
def declare_recusal(request, edition_pk):
    """An organiser recuses a judge from an entry (a tie the portal cannot see), with the reason."""
    edition = get_object_or_404(Edition.objects.select_related("association"), pk=edition_pk)
    check_perm(request, "scoring.manage_venue", edition)
    form = DeclareRecusalForm(request.POST, edition=edition, prefix="declare")
    if form.is_valid():
        entry, judge = form.cleaned_data["entry"], form.cleaned_data["judge"]
        try:
            recusals.declare_recusal_for_judge(
                entry=entry, judge=judge, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(judge)s is recused from %(code)s.") % {"judge": judge.get_full_name(), "code": entry.code},
            )
            return redirect("scoring:recusals", edition_pk=edition.pk)
    return _recusal_page(request, edition, _recusal_rows(edition), form, status=400)


@login_required
@require_POST
def sync_recusals(request, edition_pk):
    edition = get_object_or_404(Edition.objects.select_related("association"), pk=edition_pk)
    check_perm(request, "scoring.manage_venue", edition)
    found = recusals.sync_edition_recusals(edition=edition)
    messages.success(request, _("%(count)s new automatic recusal(s) recorded.") % {"count": found})
    return redirect("scoring:recusals", edition_pk=edition.pk)


@login_required
@require_POST
def lift(request, recusal_pk):
    recusal = get_object_or_404(Recusal.objects.select_related("entry"), pk=recusal_pk)
    check_perm(request, "scoring.manage_venue", recusal.entry)
    form = ReasonForm(request.POST, prefix="lift")
    if not form.is_valid():
        messages.error(request, _("Please give the reason for lifting the recusal."))
    else:
        try:
            recusals.lift_recusal(recusal=recusal, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("The recusal is lifted."))
    return redirect("scoring:recusals", edition_pk=recusal.entry.edition_id)


@login_required
def import_sheets(request, edition_pk):
    """Two steps: the uploaded file is checked and previewed, nothing written; the organiser confirms, and the kept
    file is checked again and written: in the request, or past IMPORT_BACKGROUND_ROWS rows by the worker while the
    page (?job=<id>) shows its progress (asked for as JSON by the page's script)."""
    edition = get_object_or_404(Edition.objects.select_related("association"), pk=edition_pk)
    check_perm(request, "scoring.manage_venue", edition)
    job_id = request.GET.get("job", "")
    job = import_jobs.status(job_id, by=request.user) if job_id else None
    if job_id and job is None:
        raise Http404
    if job and "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(job)
    confirming = request.method == "POST" and "token" in request.POST
    form = PaperSheetImportForm(
        request.POST if request.method == "POST" and not confirming else None, request.FILES or None
    )
    confirm = PaperSheetConfirmForm(request.POST if confirming else None)
    report, preview = None, False
    if confirming:
        background = _write_in_background(request, edition, confirm)
        if background:
            return redirect(f"{reverse('scoring:import_sheets', args=[edition.pk])}?job={background}")
        report = _write_paper_sheets(request, edition, confirm)
        if report is not None and report.ok:
            messages.success(request, paper_sheets.imported_message(report))
            return redirect("scoring:import_sheets", edition_pk=edition.pk)
    elif request.method == "POST" and form.is_valid():
        report, confirm = _check_paper_sheets(request, edition, form)
        preview = report is not None and report.ok
    return render(
        request,
        "scoring/organiser/import.html",
        {
            "edition": edition,
            "form": form,
            "confirm": confirm,
            "report": report,
            "preview": preview,
            "new_sheets": len(report.valid) - report.existing if preview else 0,
            "rubrics": paper_sheets.rubrics_in_use(edition),
            "job": job,
        },
        status=400 if request.method == "POST" and not preview else 200,
    )


@login_required
def paper_sheet_template(request, edition_pk):
    """One rubric's paper score sheets (?rubric=<id>, one of the edition's rubrics in use; the first by default) to
    print and fill in, a row per entry and judge; filled in, the file imports as it is."""
    edition = get_object_or_404(Edition.objects.select_related("association"), pk=edition_pk)
    check_perm(request, "scoring.manage_venue", edition)
    rubrics = paper_sheets.rubrics_in_use(edition)
    rubric = rubrics[0] if rubrics else None
    if request.GET.get("rubric"):
        rubric = next((r for r in rubrics if str(r.pk) == request.GET["rubric"]), None)
        if rubric is None:
            raise Http404
    response = HttpResponse(paper_sheets.template_workbook(edition=edition, rubric=rubric), content_type=XLSX_MIME)
    suffix = f"-{rubric.pk}" if rubric else ""
    response["Content-Disposition"] = f'attachment; filename="paper-score-sheets-{edition.pk}{suffix}.xlsx"'
    return response


def _check_paper_sheets(request, edition, form):
    """Step one: check the file and keep it for the confirmation; nothing is written. (report, confirm form)."""
    upload = form.cleaned_data["file"]
    try:
        report = paper_sheets.import_paper_sheets(edition=edition, file=upload, by=request.user, dry_run=True)
    except ValidationError as error:
        form.add_error("file", error)
        return None, PaperSheetConfirmForm()
    if not report.ok:
        return report, PaperSheetConfirmForm()
    token = uploads.stash(upload, by=request.user, kind=paper_sheets.upload_kind(edition), rows=report.rows)
    return report, PaperSheetConfirmForm(initial={"token": token})


def _write_in_background(request, edition, confirm) -> str | None:
    """The job writing a confirmed file large enough for the worker (import_jobs.start_if_large); None otherwise."""
    if not confirm.is_valid():
        return None
    return import_jobs.start_if_large(
        request=request,
        token=confirm.cleaned_data["token"],
        kind=paper_sheets.upload_kind(edition),
        task_name="scoring.import_paper_sheets",
        edition_id=edition.pk,
    )


def _write_paper_sheets(request, edition, confirm):
    """Step two: check the kept file again and write it; the report, or None with the reason on the form."""
    if not confirm.is_valid():
        return None
    token = confirm.cleaned_data["token"]
    try:
        upload = uploads.load(token, by=request.user, kind=paper_sheets.upload_kind(edition))
    except ValidationError as error:
        confirm.add_error(None, error)
        return None
    uploads.discard(token)  # written or refused, the file is done with: a refused file is corrected and uploaded again
    try:
        return paper_sheets.import_paper_sheets(edition=edition, file=upload, by=request.user)
    except ValidationError as error:
        confirm.add_error(None, error)
        return None


@login_required
def venue_audit(request, venue_pk):
    venue = load_venue(venue_pk)
    check_perm(request, "scoring.manage_venue", venue)
    changes = (
        SheetAudit.objects.filter(sheet__entry__venue=venue)
        .select_related("sheet__entry", "sheet__judge", "user")
        .order_by("-at", "-id")
    )
    page = Paginator(changes, 200).get_page(request.GET.get("page"))
    return render(request, "scoring/organiser/audit.html", {"venue": venue, "changes": page, "page": page})


@login_required
@require_POST
def reopen_venue(request, venue_pk):
    venue = load_venue(venue_pk)
    check_perm(request, "scoring.manage_venue", venue)
    form = ReasonForm(request.POST, prefix="venue")
    if not form.is_valid():
        messages.error(request, _("Please give the reason for reopening the venue."))
    else:
        try:
            progress.reopen_venue(venue=venue, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("%(venue)s is reopened.") % {"venue": venue.name})
    return redirect("scoring:panel", venue_pk=venue.pk)


# --- live board -----------------------------------------------------------------------------------


def _board_edition(request):
    # With their association: the page's footer shows the chosen edition's contact.
    editions = Edition.objects.organised_by(request.user).select_related("association").order_by("-year", "-number")
    chosen = request.GET.get("edition")
    if chosen:
        try:
            return editions.get(pk=int(chosen)), editions
        except (ValueError, Edition.DoesNotExist):
            raise Http404
    return (editions.filter(status=Edition.Status.JUDGING).first() or editions.first()), editions


def _board(edition):
    venues = (
        Venue.objects.filter(edition=edition)
        .select_related("category")
        .order_by("category__position", "category_id", "name")
    )
    return progress.venues_progress(venues)


@login_required
def live_board(request):
    check_perm(request, "scoring.view_board", None)
    edition, editions = _board_edition(request)
    return render(
        request,
        "scoring/organiser/board.html",
        {
            "edition": edition,
            "editions": editions,
            "board": _board(edition) if edition else [],
            "categories": edition.categories.all() if edition else [],
            "now": timezone.localtime(),
        },
    )


@login_required
def live_board_data(request):
    check_perm(request, "scoring.view_board", None)
    edition, _editions = _board_edition(request)
    if edition is None:
        return JsonResponse({"venues": []})
    venues = []
    for grid in _board(edition):
        venues.append(
            {
                "id": grid.venue.pk,
                "submitted": grid.submitted,
                "expected": grid.expected,
                "percent": grid.percent,
                "signed_off": grid.venue.is_signed_off,
                "missing_count": len(grid.missing),
                "missing": [{"entry": entry.code, "judges": judges} for entry, judges in grid.missing_by_entry],
                "flags": [
                    {"entry": entry.code, "judge": judge, "total": str(total)}
                    for entry, judge, total in grid.flagged_sheets
                ],
            }
        )
    return JsonResponse({"edition": edition.pk, "at": date_format(timezone.localtime(), "H:i:s"), "venues": venues})
