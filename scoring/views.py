"""Judging pages: the judge's workspace and score sheets, the panel leader's page and sign-off. The organisers'
venue tools are in scoring.venue_views."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from events import hooks
from events.models import PanelMember, Venue
from scoring import assignment, people, progress, recusals, sheets
from scoring.forms import (
    ReasonForm,
    ScoreSheetForm,
)
from scoring.models import Recusal, ScoreSheet
from scoring.progress import CellState
from scoring.rules import leads_panel
from submissions.models import Entry, EntryFile


def check_perm(request, perm, obj):
    """403 unless the user has the permission on the object (scoring.rules)."""
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


def load_venue(pk):
    """The venue with its edition (and the edition's association, whose contact the page shows) and category, or
    404."""
    return get_object_or_404(Venue.objects.select_related("edition__association", "category"), pk=pk)


def error_text(error: ValidationError) -> str:
    """A service's refusal as one message line."""
    return " ".join(error.messages)


def from_script(request) -> bool:
    """The sheet's script (fetch) rather than the browser navigating: it is answered JSON."""
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def login_required_json(view):
    """login_required, but the sheet's script is answered 401 JSON instead of a redirect to the log-in page: the
    sheet keeps what the judge typed and asks for the password in place (static/scoring/judging/workspace.js)."""
    redirecting = login_required(view)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated and from_script(request):
            return JsonResponse(
                {"ok": False, "login": True, "errors": {"__all__": [_("Please log in again.")]}}, status=401
            )
        return redirecting(request, *args, **kwargs)

    return wrapped


def form_errors(form) -> dict:
    """A sheet form's errors for the script: by criterion id, "comment", or "__all__"."""
    errors = {}
    for name, messages_ in form.errors.items():
        if name == "version":
            key, messages_ = "__all__", [_("The draft could not be read.")]
        else:
            key = name[1:] if name.startswith("c") and name[1:].isdigit() else name
        errors.setdefault(key, []).extend(str(message) for message in messages_)
    return errors


def _file_url(entry_file):
    """The private download of an entry's file, when the submissions app provides it."""
    try:
        return reverse("submissions:file_download", args=[entry_file.pk])
    except NoReverseMatch:
        return None


# --- judges ---------------------------------------------------------------------------------------


@login_required
def judge_home(request):
    if not request.user.is_judge:
        raise PermissionDenied
    seats = (
        PanelMember.objects.filter(judge=request.user)
        .select_related("venue__edition", "venue__category")
        .annotate(
            entry_count=Count("venue__entries", distinct=True),
            my_submitted=Count(
                "venue__entries__sheets",
                filter=Q(
                    venue__entries__sheets__judge=request.user,
                    venue__entries__sheets__status=ScoreSheet.Status.SUBMITTED,
                ),
                distinct=True,
            ),
            my_recusals=Count(
                "venue__entries__recusals",
                filter=Q(
                    venue__entries__recusals__judge=request.user, venue__entries__recusals__lifted_at__isnull=True
                ),
                distinct=True,
            ),
        )
        .order_by("-venue__edition__year", "venue__date", "venue__name")
    )
    seats = list(seats)
    for seat in seats:
        seat.my_expected = seat.entry_count - seat.my_recusals
    return render(request, "scoring/judging/home.html", {"seats": seats})


def _current_entry(venue, judge, order):
    done = set(
        ScoreSheet.objects.filter(entry__venue=venue, judge=judge, status=ScoreSheet.Status.SUBMITTED).values_list(
            "entry_id", flat=True
        )
    )
    recused = set(
        Recusal.objects.filter(entry__venue=venue, judge=judge, lifted_at__isnull=True).values_list(
            "entry_id", flat=True
        )
    )
    for slot in order:
        if slot.entry.pk not in done and slot.entry.pk not in recused:
            return slot.entry
    return order[0].entry if order else None


def declaration_missing(request, venue):
    """Before a judge's first sheet of an edition, the declaration: a redirect to it (a 409 with its address for
    the sheet's script) while the judge has not confirmed it; None once confirmed."""
    if people.has_declared(judge=request.user, edition_id=venue.edition_id):
        return None
    url = f"{reverse('scoring:declare', args=[venue.edition_id])}?{urlencode({'next': request.get_full_path()})}"
    if from_script(request):
        message = _("Confirm your declaration before you score.")
        return JsonResponse({"ok": False, "redirect": url, "errors": {"__all__": [message]}}, status=409)
    return redirect(url)


@login_required
def judge_today(request):
    """Where a judge lands after log-in: the venue the judge sits on today (its sheets), or the list of venues
    when there is none today or several."""
    if not request.user.is_judge:
        raise PermissionDenied
    today = list(
        PanelMember.objects.filter(
            judge=request.user, venue__date=timezone.localdate(), venue__signed_off_at__isnull=True
        ).values_list("venue_id", flat=True)[:2]
    )
    if len(today) == 1:
        return redirect("scoring:workspace", venue_pk=today[0])
    return redirect("scoring:judge_home")


@login_required
def workspace(request, venue_pk):
    venue = load_venue(venue_pk)
    check_perm(request, "scoring.judge_venue", venue)
    if (missing := declaration_missing(request, venue)) is not None:
        return missing
    order = assignment.venue_schedule(venue=venue)
    current = _current_entry(venue, request.user, order)
    if current is None:
        return render(request, "scoring/judging/empty.html", {"venue": venue})
    return redirect("scoring:score_entry", venue_pk=venue.pk, entry_pk=current.pk)


def _order_with_state(venue, judge, venue_recusals=None):
    """The venue's running order with the judge's state of each entry: its sheet's status, recused or missing.
    `venue_recusals`: the judge's recusals of the venue's entries, when the caller has read them (_judge_recusals).
    The sheets' statuses come with the entries, in one query."""
    entries = list(
        venue.entries.select_related("enterprise")
        .order_by()  # venue_schedule orders them
        .annotate(
            judge_sheet_status=Subquery(
                ScoreSheet.objects.filter(entry=OuterRef("pk"), judge=judge).order_by().values("status")[:1]
            )
        )
    )
    order = assignment.venue_schedule(venue=venue, entries=entries)
    if venue_recusals is None:
        venue_recusals = _judge_recusals(venue, judge)
    recused = {recusal.entry_id for recusal in venue_recusals if recusal.lifted_at is None}
    for slot in order:
        status = slot.entry.judge_sheet_status
        slot.state = CellState.RECUSED if slot.entry.pk in recused else (status or CellState.MISSING)
    return order


def _judge_recusals(venue, judge) -> list[Recusal]:
    """The judge's recusals (active or lifted) from the entries of a venue: a few rows, read once for the page."""
    return list(Recusal.objects.filter(entry__venue=venue, judge=judge).order_by("pk"))


def _recusal_to_show(entry, judge, venue_recusals=None):
    """The judge's active recusal from the entry; a tie nobody has recorded yet (e.g. the panel changed) is
    shown as an automatic recusal without being recorded (the next assignment, draw or sign-off records it).
    `venue_recusals`: the judge's recusals of the entry's venue (_judge_recusals), when the caller has read them."""
    if venue_recusals is None:
        venue_recusals = list(Recusal.objects.filter(entry=entry, judge=judge))
    recorded = [recusal for recusal in venue_recusals if recusal.entry_id == entry.pk]
    if recorded:
        return next((recusal for recusal in recorded if recusal.lifted_at is None), None)
    found = recusals.conflict(judge=judge, entry=entry)
    if found is None:
        return None
    reason, source = found
    return Recusal(entry=entry, judge=judge, automatic=True, source=source, reason=reason)


@login_required_json
def score_entry(request, venue_pk, entry_pk):
    venue = load_venue(venue_pk)
    check_perm(request, "scoring.judge_venue", venue)
    entry = get_object_or_404(
        Entry.objects.select_related("enterprise", "category__rubric", "category__innovation_rubric").prefetch_related(
            # EntryFile's ordering within one entry, without its joins to the entry's edition and category
            Prefetch("files", queryset=EntryFile.objects.order_by("kind", "-uploaded_at"))
        ),
        pk=entry_pk,
    )
    if entry.venue_id != venue.pk:
        raise Http404(_("This entry is not heard in this venue."))
    if (missing := declaration_missing(request, venue)) is not None:
        return missing
    judge = request.user
    entry.venue = venue  # the venue loaded above (the services read entry.venue)
    venue_recusals = _judge_recusals(venue, judge)
    context = {
        "venue": venue,
        "entry": entry,
        "files": [(f, _file_url(f)) for f in entry.files.all()],
        "is_leader": leads_panel(judge, venue),
        "recuse_form": ReasonForm(prefix="recuse"),
        "states": CellState,
    }
    recusal = _recusal_to_show(entry, judge, venue_recusals)
    if recusal is not None and request.method == "POST" and from_script(request):
        message = _("You have recused yourself from this entry; you cannot score it.")
        return JsonResponse({"ok": False, "errors": {"__all__": [message]}}, status=409)
    if recusal is not None:
        context["recusal"] = recusal
        context["order"] = _order_with_state(venue, judge, venue_recusals)
        return render(request, "scoring/judging/score.html", context)
    try:
        # Looking at the page writes nothing; the sheet is created by the first save of a valid form. The judge
        # sits on the entry's panel (check_perm above) and is not recused (_recusal_to_show, the same rule as
        # sheets.check_can_score's): the services check both again where they write, under the sheet's lock.
        sheet = sheets.sheet_to_show(entry=entry, judge=judge, checked=True)
    except ValidationError as error:
        if from_script(request):
            return JsonResponse({"ok": False, "errors": {"__all__": error.messages}}, status=409)
        messages.error(request, error_text(error))
        return redirect("scoring:judge_home")
    form = ScoreSheetForm(request.POST or None, sheet=sheet)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action")
        service = sheets.submit_sheet if action == "submit" else sheets.save_draft
        try:
            if sheet.pk is None:
                sheet = sheets.open_sheet(entry=entry, judge=judge)
            service(
                sheet=sheet,
                by=judge,
                raw=form.raw_points(),
                comment=form.cleaned_data["comment"],
                version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            if from_script(request):
                return service_refusal(error)
            form.add_service_error(error)
        else:
            if action == "submit":
                messages.success(request, _("Your sheet for %(code)s is submitted.") % {"code": entry.code})
                follow = reverse("scoring:workspace", kwargs={"venue_pk": venue.pk})
            else:
                messages.info(request, _("Draft saved."))
                follow = reverse("scoring:score_entry", kwargs={"venue_pk": venue.pk, "entry_pk": entry.pk})
            if from_script(request):
                return JsonResponse({"ok": True, "redirect": follow})
            return redirect(follow)
    if request.method == "POST" and from_script(request):
        return JsonResponse({"ok": False, "errors": form_errors(form)}, status=400)
    if request.method == "POST" and sheet.pk is not None:
        sheet.refresh_from_db()  # as a refused save left it
    context.update(
        {
            "sheet": sheet,
            "form": form,
            "total": sheet.total,
            "locked": sheet.status == ScoreSheet.Status.SUBMITTED or venue.is_signed_off,
            "order": _order_with_state(venue, judge, venue_recusals),
            "comment_max_length": sheets.COMMENT_MAX_LENGTH,
            "reopened": sheets.reopening_to_show(sheet),
        }
    )
    return render(request, "scoring/judging/score.html", context, status=400 if form.errors else 200)


@login_required_json
@require_POST
def autosave(request, sheet_pk):
    """The workspace's script posts the draft here as the judge types. Answers JSON."""
    sheet = get_object_or_404(ScoreSheet.objects.select_related("entry__venue", "rubric"), pk=sheet_pk)
    if sheet.judge_id != request.user.pk:
        raise Http404
    return _autosave(request, sheet)


@login_required_json
@require_POST
def autosave_entry(request, entry_pk):
    """The first autosave of an entry the judge has no sheet for yet: the sheet is created with it."""
    entry = get_object_or_404(Entry.objects.select_related("venue"), pk=entry_pk, venue__isnull=False)
    check_perm(request, "scoring.judge_venue", entry.venue)
    if (missing := declaration_missing(request, entry.venue)) is not None:
        return missing
    try:
        sheet = sheets.sheet_to_show(entry=entry, judge=request.user)
    except ValidationError as error:
        return JsonResponse({"ok": False, "errors": {"__all__": error.messages}}, status=409)
    form = ScoreSheetForm(request.POST, sheet=sheet)
    if not form.is_valid():
        return JsonResponse({"ok": False, "errors": form_errors(form)}, status=400)
    try:
        sheet = sheets.open_sheet(entry=entry, judge=request.user)
    except ValidationError as error:
        return JsonResponse({"ok": False, "errors": {"__all__": error.messages}}, status=409)
    return _autosave(request, sheet)


def service_refusal(error: ValidationError) -> JsonResponse:
    """A sheet service's refusal for the script: bad values (by criterion or "comment") are 400, the sheet's
    state (locked, stale, signed off) 409."""
    if hasattr(error, "error_dict"):
        return JsonResponse({"ok": False, "errors": error.message_dict}, status=400)
    return JsonResponse({"ok": False, "errors": {"__all__": error.messages}}, status=409)


def _autosave(request, sheet):
    form = ScoreSheetForm(request.POST, sheet=sheet)
    if not form.is_valid():
        return JsonResponse({"ok": False, "errors": form_errors(form)}, status=400)
    try:
        sheet = sheets.save_draft(
            sheet=sheet,
            by=request.user,
            raw=form.raw_points(),
            comment=form.cleaned_data["comment"],
            version=form.cleaned_data["version"],
        )
    except ValidationError as error:
        return service_refusal(error)
    return JsonResponse(
        {
            "ok": True,
            "version": sheet.version,
            "total": str(sheet.total),
            "saved_at": date_format(timezone.localtime(), "H:i:s"),
        }
    )


@login_required
@require_POST
def recuse(request, entry_pk):
    entry = get_object_or_404(Entry.objects.select_related("venue"), pk=entry_pk)
    if entry.venue is None:
        raise Http404
    check_perm(request, "scoring.judge_venue", entry.venue)
    form = ReasonForm(request.POST, prefix="recuse")
    if form.is_valid():
        try:
            recusals.declare_recusal(entry=entry, judge=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("You are recused from %(code)s.") % {"code": entry.code})
            return redirect("scoring:workspace", venue_pk=entry.venue_id)
    else:
        messages.error(request, _("Please give the reason for the recusal."))
    return redirect("scoring:score_entry", venue_pk=entry.venue_id, entry_pk=entry.pk)


# --- panel leader ---------------------------------------------------------------------------------


@login_required
def panel(request, venue_pk):
    venue = load_venue(venue_pk)
    check_perm(request, "scoring.view_panel", venue)
    grid = progress.venue_progress(venue)
    can_sign_off = request.user.has_perm("scoring.sign_off_venue", venue)
    return render(
        request,
        "scoring/judging/panel.html",
        {
            "venue": venue,
            "progress": grid,
            "ranking": _provisional_ranking(venue, grid) if can_sign_off else None,
            "states": CellState,
            "limit": progress.deviation_limit(),
            "can_sign_off": can_sign_off,
            "is_organiser": request.user.has_perm("scoring.manage_venue", venue),
            "can_print": request.user.has_perm("scoring.print_sheets", venue),
            "reopen_form": ReasonForm(prefix="reopen"),
        },
    )


def _provisional_ranking(venue, grid):
    """The venue's ranking from the sheets submitted so far (results answers, with its engine), each with its entry:
    what the leader and the panel look at before signing off (合议)."""
    entries = {row.entry.pk: row.entry for row in grid.rows}
    return [
        (entries[ranked.entry_id], ranked)
        for ranked in hooks.collect(hooks.VENUE_RANKING, venue=venue)
        if ranked.entry_id in entries
    ]


@login_required
def sheet_detail(request, sheet_pk):
    sheet = get_object_or_404(ScoreSheet.objects.select_related("entry__venue", "judge", "rubric"), pk=sheet_pk)
    check_perm(request, "scoring.view_sheet", sheet)
    is_organiser = request.user.has_perm("scoring.manage_venue", sheet.entry)
    context = {
        "sheet": sheet,
        "scores": sheet.scores.select_related("criterion").order_by("criterion__position"),
        "total": sheet.total,
        "audit": sheet.audit.select_related("user") if is_organiser else None,
        "can_reopen": sheet.status == ScoreSheet.Status.SUBMITTED
        and request.user.has_perm("scoring.reopen_sheet", sheet.entry.venue)
        and (is_organiser or not sheet.entry.venue.is_signed_off),
        "reopen_form": ReasonForm(prefix="reopen"),
    }
    return render(request, "scoring/judging/sheet.html", context)


@login_required
@require_POST
def reopen_sheet(request, sheet_pk):
    sheet = get_object_or_404(ScoreSheet.objects.select_related("entry__venue"), pk=sheet_pk)
    check_perm(request, "scoring.reopen_sheet", sheet.entry.venue)
    form = ReasonForm(request.POST, prefix="reopen")
    if not form.is_valid():
        messages.error(request, _("Please give the reason for reopening the sheet."))
    else:
        try:
            sheets.reopen_sheet(sheet=sheet, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("The sheet is reopened; the judge can change and submit it again."))
    return redirect("scoring:panel", venue_pk=sheet.entry.venue_id)


@login_required
@require_POST
def sign_off(request, venue_pk):
    venue = load_venue(venue_pk)
    check_perm(request, "scoring.sign_off_venue", venue)
    try:
        progress.sign_off_venue(venue=venue, by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("%(venue)s is signed off.") % {"venue": venue.name})
    return redirect("scoring:panel", venue_pk=venue.pk)
