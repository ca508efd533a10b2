from collections import defaultdict

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from events import hooks
from events.models import Category, Edition, days_until
from portal import import_jobs, throttle, uploads
from portal.spreadsheets import XLSX_MIME
from portal.text import clean_text
from submissions import exports, files, imports, services, takeout
from submissions.forms import (
    DeadlineExtensionForm,
    EnterpriseReviewForm,
    EnterpriseSignupForm,
    EntryFilterForm,
    EntryForm,
    FileRemoveForm,
    FileUploadForm,
    MemberFormSet,
    RecommendationConfirmForm,
    RecommendationUploadForm,
    ReopenReviewForm,
    ReviewForm,
    WithdrawForm,
)
from submissions.memberships import enterprise_of, recommending_unit_id_of, recommending_unit_of
from submissions.models import DeadlineExtension, DeletedDraft, Enterprise, Entry, EntryFile, Recommendation


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- enterprises ---------------------------------------------------------------------------------


def signup(request):
    """The answer is the same whether or not the e-mail or the credit code is already used (a redirect to "check
    your mailbox"); sign-ups are limited per client address and per e-mail (portal/throttle.py)."""
    if request.user.is_authenticated:
        return redirect("public:home")
    form = EnterpriseSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if not throttle.allow(action="signup", email=email, address=throttle.client_address(request)):
            form.add_error(None, throttle.refusal_message("signup"))
            return render(request, "submissions/signup.html", {"form": form}, status=429)
        services.register_enterprise(
            enterprise_data=form.enterprise_data(),
            full_name=form.cleaned_data["full_name"],
            email=email,
            password=form.cleaned_data["password1"],
            phone=form.cleaned_data["phone"],
            editions=form.chosen_editions(),
        )
        return redirect("submissions:signup_sent")
    return render(request, "submissions/signup.html", {"form": form})


def signup_sent(request):
    return render(request, "submissions/signup_sent.html")


def signup_confirm(request, uidb64, token):
    """The link of the sign-up e-mail: a page with one button (so that a mail scanner opening the link activates
    nothing), which activates the account and logs it in."""
    user = services.user_to_activate(uidb64, token)
    if user is None:
        return render(request, "submissions/signup_confirm.html", {"valid": False}, status=400)
    if request.method == "POST":
        services.activate_account(user=user)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _(
                "Your e-mail address is confirmed. The organiser will review your enterprise; "
                "you can submit entries once it is approved."
            ),
        )
        return redirect("public:home")
    return render(request, "submissions/signup_confirm.html", {"valid": True, "email": user.email})


@login_required
@permission_required("submissions.review_enterprise", raise_exception=True)
def enterprise_list(request):
    status = request.GET.get("status", Enterprise.Status.PENDING)
    if status not in Enterprise.Status.values:
        status = Enterprise.Status.PENDING
    enterprises = Enterprise.objects.reviewable_by(request.user).filter(status=status).order_by("-created_at", "name")
    q = clean_text(request.GET.get("q", ""))[:100]
    if q:
        enterprises = enterprises.filter(Q(name__icontains=q) | Q(credit_code__icontains=q.upper()))
    page = Paginator(enterprises, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "submissions/enterprise_list.html",
        {
            "page": page,
            "status": status,
            "q": q,
            "statuses": Enterprise.Status.choices,
            "review_form": EnterpriseReviewForm(),
        },
    )


@login_required
@permission_required("submissions.review_enterprise", raise_exception=True)
def enterprise_review(request, pk):
    enterprise = get_object_or_404(Enterprise.objects.reviewable_by(request.user), pk=pk)
    form = EnterpriseReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_enterprise(
                enterprise=enterprise,
                by=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if form.cleaned_data["decision"] == "approve":
                messages.success(request, _("%(name)s is approved.") % {"name": enterprise.name})
            else:
                messages.info(request, _("%(name)s is rejected.") % {"name": enterprise.name})
            return redirect("submissions:enterprise_list")
    users = [membership.user for membership in enterprise.memberships.select_related("user").order_by("user__email")]
    extensions = DeadlineExtension.objects.filter(
        enterprise=enterprise, edition__in=Edition.objects.organised_by(request.user)
    ).select_related("edition", "by")
    return render(
        request,
        "submissions/enterprise_review.html",
        {"enterprise": enterprise, "form": form, "users": users, "extensions": extensions},
    )


@login_required
@permission_required("submissions.review_enterprise", raise_exception=True)
def enterprise_extend(request, pk):
    """An organiser gives one enterprise more time in an edition it organises (open for entries), with a reason."""
    enterprise = get_object_or_404(Enterprise.objects.reviewable_by(request.user), pk=pk)
    editions = Edition.objects.organised_by(request.user).filter(status=Edition.Status.OPEN).order_by("-year")
    form = DeadlineExtensionForm(request.POST or None, editions=editions)
    if request.method == "POST" and form.is_valid():
        try:
            extension = services.extend_deadline(
                edition=form.cleaned_data["edition"],
                enterprise=enterprise,
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s may submit and change its entries until %(until)s.")
                % {
                    "name": enterprise.name,
                    "until": formats.date_format(timezone.localtime(extension.until), "DATETIME_FORMAT"),
                },
            )
            return redirect("submissions:enterprise_review", pk=enterprise.pk)
    return render(request, "submissions/enterprise_extend.html", {"enterprise": enterprise, "form": form})


# --- the enterprise's side -----------------------------------------------------------------------


def _entry_or_404(request, pk, perm="submissions.view_entry") -> Entry:
    """The entry if the user may see it; a 404 otherwise, so other enterprises' ids reveal nothing."""
    entry = get_object_or_404(
        Entry.objects.select_related("edition", "category", "enterprise", "recommending_unit", "venue"), pk=pk
    )
    if not request.user.has_perm(perm, entry):
        raise Http404
    return entry


def _entry_to_change(request, pk) -> Entry:
    """The entry if the user may change it: a 404 when it may not even see it, a 403 when it may only see it."""
    entry = _entry_or_404(request, pk)
    if not request.user.has_perm("submissions.change_entry", entry):
        raise PermissionDenied
    return entry


def _own_enterprise(request) -> Enterprise:
    """The enterprise of an enterprise user; others (even a superuser, who passes every rule) are refused."""
    enterprise = enterprise_of(request.user) if request.user.is_enterprise_user else None
    if enterprise is None:
        raise PermissionDenied
    return enterprise


def _recommendation_of(request, entry: Entry) -> dict:
    """The link behind the entry's recommending unit, and whether this user may confirm or decline it here."""
    recommendation = services.recommendation_states([entry]).get(
        (entry.edition_id, entry.enterprise_id, entry.recommending_unit_id)
    )
    return {
        "recommendation": recommendation,
        "can_decide_recommendation": recommendation is not None
        and recommendation.status == Recommendation.Status.PENDING
        and request.user.has_perm("submissions.decide_recommendation", recommendation),
    }


def _return_reason(entry: Entry) -> str:
    for transition in reversed(list(entry.transitions.all())):
        if transition.to_status == Entry.Status.RETURNED:
            return transition.reason
    return ""


@login_required
@permission_required("submissions.view_dashboard", raise_exception=True)
def dashboard(request):
    enterprise = _own_enterprise(request)
    entries = (
        Entry.objects.filter(enterprise=enterprise)
        .select_related("edition", "category", "recommending_unit", "venue")
        .prefetch_related("members", "files", "transitions")
        .order_by("category__position", "created_at", "id")
    )
    entries = services.follow_entries(entries)
    links = services.recommendation_states(entries)
    by_edition = defaultdict(list)
    for entry in entries:
        entry.recommendation = links.get((entry.edition_id, entry.enterprise_id, entry.recommending_unit_id))
        entry.missing = services.missing_items(entry) if entry.is_editable_status else []
        entry.return_reason = _return_reason(entry) if entry.status == Entry.Status.RETURNED else ""
        by_edition[entry.edition_id].append(entry)
    editions = (
        Edition.objects.filter(Q(status=Edition.Status.OPEN) | Q(pk__in=list(by_edition)))
        .prefetch_related("categories")
        .order_by("-year", "-number")
    )
    left = services.quotas_left(
        categories=[category for edition in editions for category in edition.categories.all()], enterprise=enterprise
    )
    blocks = []
    for edition in editions:
        edition_entries = by_edition.get(edition.pk, [])
        is_open = services.accepts_entries(edition, enterprise=enterprise)
        categories = [
            {"category": category, "quota": category.quota_per_enterprise, "left": left[category.pk]}
            for category in edition.categories.all()
        ]
        deadline = services.deadline_for(edition, enterprise)
        for entry in edition_entries:
            entry.can_edit = is_open and enterprise.is_approved and entry.is_editable_status
            entry.can_delete = enterprise.is_approved and entry.status == Entry.Status.DRAFT
        blocks.append(
            {
                "edition": edition,
                "entries": edition_entries,
                "is_open": is_open,
                "deadline": deadline,
                "days_left": days_until(deadline),
                "closed_message": "" if is_open else services.closed_message(edition, enterprise),
                "categories": categories,
            }
        )
    proposals = (
        Recommendation.objects.filter(
            enterprise=enterprise, status=Recommendation.Status.PENDING, proposed_by_side=Recommendation.Side.UNIT
        )
        .select_related("unit", "edition")
        .order_by("-edition__year", "unit__name")
    )
    return render(
        request,
        "submissions/dashboard.html",
        {"enterprise": enterprise, "blocks": blocks, "proposals": proposals},
    )


@login_required
@permission_required("submissions.view_dashboard", raise_exception=True)
def enterprise_export(request):
    """One zip of the enterprise's data (its own only: the enterprise comes from the user, never from the URL)."""
    enterprise = _own_enterprise(request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(
        takeout.enterprise_zip(enterprise),
        as_attachment=True,
        filename=f"enterprise-{enterprise.credit_code}-{stamp}.zip",
        content_type="application/zip",
    )


def _entry_form_page(request, *, category, entry=None):
    instance = entry or Entry(category=category, edition=category.edition)
    form = EntryForm(request.POST or None, instance=instance, category=category)
    with_members = category.kind in services.KINDS_WITH_MEMBERS
    formset = MemberFormSet(request.POST or None, instance=instance, prefix="members") if with_members else None
    # Validate both, so that every mistake shows at once.
    valid = [form.is_valid(), formset is None or formset.is_valid()]
    if request.method == "POST" and all(valid):
        members = formset.members() if formset is not None else []
        try:
            if entry is None:
                entry = services.create_entry(
                    category=category,
                    enterprise=enterprise_of(request.user),
                    by=request.user,
                    data=form.entry_data(),
                    members=members,
                )
                messages.success(request, _("The entry is saved as a draft. Add its files, then submit it."))
            else:
                services.update_entry(entry=entry, by=request.user, data=form.entry_data(), members=members)
                messages.success(request, _("The entry is saved."))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("submissions:entry_detail", pk=entry.pk)
    return render(
        request,
        "submissions/entry_form.html",
        {"form": form, "formset": formset, "category": category, "entry": entry, "edition": category.edition},
    )


@login_required
@permission_required("submissions.create_entry", raise_exception=True)
def entry_create(request, category_pk):
    _own_enterprise(request)
    category = get_object_or_404(Category.objects.select_related("edition"), pk=category_pk)
    if category.edition.status == Edition.Status.DRAFT:
        raise Http404
    enterprise = enterprise_of(request.user)
    if not services.accepts_entries(category.edition, enterprise=enterprise):
        messages.error(request, services.closed_message(category.edition, enterprise))
        return redirect("submissions:dashboard")
    if services.quota_left(category=category, enterprise=enterprise_of(request.user)) == 0:
        messages.error(request, services.quota_message(category))
        return redirect("submissions:dashboard")
    return _entry_form_page(request, category=category)


@login_required
def entry_edit(request, pk):
    entry = _entry_to_change(request, pk)
    is_open = services.accepts_entries(entry.edition, enterprise=entry.enterprise)
    if not is_open or not entry.is_editable_status:
        messages.error(
            request,
            services.closed_message(entry.edition, entry.enterprise)
            if not is_open
            else _("This entry is %(status)s and can no longer be changed.") % {"status": entry.get_status_display()},
        )
        return redirect("submissions:entry_detail", pk=entry.pk)
    return _entry_form_page(request, category=entry.category, entry=entry)


@login_required
def entry_detail(request, pk):
    entry = _entry_or_404(request, pk)
    services.follow_entries([entry])
    entry_files = {stored.kind: stored for stored in entry.files.all()}
    is_open = services.accepts_entries(entry.edition, enterprise=entry.enterprise)
    may_change = request.user.has_perm("submissions.change_entry", entry)
    can_change = may_change and entry.is_editable_status and is_open
    labels = dict(EntryFile.Kind.choices)
    required = services.required_file_kinds(entry.category)
    slots = [
        {"kind": kind, "label": labels[kind], "required": kind in required, "file": entry_files.get(kind)}
        for kind in services.offered_file_kinds(entry.category)
    ]
    return render(
        request,
        "submissions/entry_detail.html",
        {
            "entry": entry,
            "members": entry.members.all(),
            "slots": slots,
            "transitions": entry.transitions.select_related("by"),
            "missing": services.missing_items(entry) if entry.is_editable_status else [],
            "can_change": can_change,
            "closed_message": "" if is_open else services.closed_message(entry.edition, entry.enterprise),
            "can_withdraw": may_change and is_open and entry.status in Entry.WITHDRAWABLE_STATUSES,
            "withdraw_form": WithdrawForm(),
            "is_submitted": entry.status in services.SUBMITTED_STATUSES,
            "can_review": request.user.has_perm("submissions.review_entry", entry),
            **_recommendation_of(request, entry),
            "can_delete": entry.status == Entry.Status.DRAFT
            and request.user.has_perm("submissions.delete_entry", entry),
            "upload_limit": files.max_upload_bytes() // (1024 * 1024),
            # Parts the apps above add (results: the entry's certificates), for whoever may see the entry.
            "sections": [
                render_to_string(section.template, {**section.context, "entry": entry}, request=request)
                for section in sorted(
                    hooks.collect(hooks.ENTRY_SECTIONS, entry=entry, user=request.user), key=lambda s: s.order
                )
            ],
        },
    )


@login_required
@require_POST
def file_upload(request, pk):
    entry = _entry_to_change(request, pk)
    form = FileUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
        return redirect("submissions:entry_detail", pk=entry.pk)
    try:
        stored = services.attach_file(
            entry=entry, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"], by=request.user
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("%(name)s is uploaded.") % {"name": stored.original_name})
    return redirect("submissions:entry_detail", pk=entry.pk)


@login_required
@require_POST
def file_remove(request, pk):
    entry = _entry_to_change(request, pk)
    form = FileRemoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This entry has no such file (it may have been removed already)."))
        return redirect("submissions:entry_detail", pk=entry.pk)
    try:
        name = services.remove_file(entry=entry, kind=form.cleaned_data["kind"], by=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("%(name)s is removed.") % {"name": name})
    return redirect("submissions:entry_detail", pk=entry.pk)


@login_required
@require_POST
def entry_submit(request, pk):
    entry = _entry_to_change(request, pk)
    try:
        services.submit_entry(entry=entry, by=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The entry is submitted for format review."))
    return redirect("submissions:entry_detail", pk=entry.pk)


@login_required
@require_POST
def entry_withdraw(request, pk):
    """The enterprise withdraws a submitted entry, with a reason, until submissions close."""
    entry = _entry_to_change(request, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give the reason for withdrawing the entry."))
        return redirect("submissions:entry_detail", pk=entry.pk)
    try:
        services.withdraw_entry(entry=entry, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The entry “%(title)s” is withdrawn.") % {"title": entry.title})
    return redirect("submissions:entry_detail", pk=entry.pk)


@login_required
@require_POST
def entry_delete(request, pk):
    """The enterprise deletes one of its drafts (one a recommending unit's list created, too)."""
    entry = _entry_or_404(request, pk)
    if not request.user.has_perm("submissions.delete_entry", entry):
        raise PermissionDenied
    try:
        services.delete_draft(entry=entry, by=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("submissions:entry_detail", pk=entry.pk)
    messages.success(request, _("The draft “%(title)s” is deleted.") % {"title": entry.title})
    return redirect("submissions:dashboard")


@login_required
def file_download(request, pk):
    stored = get_object_or_404(EntryFile.objects.select_related("entry"), pk=pk)
    if not request.user.has_perm("submissions.download_file", stored):
        raise Http404
    # Judges and organisers read a PDF in the browser; the enterprise that uploaded it saves it.
    inline = request.user.has_perm("submissions.read_file_in_browser", stored)
    try:
        response = files.file_response(stored, inline=inline)
    except FileNotFoundError:
        raise Http404
    response["Cache-Control"] = "private, no-store"
    return response


# --- the organiser's format review ---------------------------------------------------------------


def _organised(user):
    return Edition.objects.organised_by(user).order_by("-year", "-number")


def _filtered_entries(request):
    editions = _organised(request.user)
    data = request.GET
    if not data:  # a list that grows every year opens on the edition being run now; "All" shows every edition
        current = editions.current()
        data = {"edition": str(current.pk)} if current else None
    form = EntryFilterForm(data, editions=editions)
    entries = (
        Entry.objects.filter(edition__in=editions)
        .select_related("edition", "category", "enterprise", "recommending_unit")
        .order_by("-edition__year", "category__position", "status", "code", "id")
    )
    return form, form.filter(entries)


@login_required
@permission_required("submissions.review_list", raise_exception=True)
def review_list(request):
    form, entries = _filtered_entries(request)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    links = services.recommendation_states(page.object_list)
    for entry in page.object_list:
        entry.recommendation = links.get((entry.edition_id, entry.enterprise_id, entry.recommending_unit_id))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "submissions/review_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "reviewable": services.REVIEWABLE},
    )


@login_required
@permission_required("submissions.review_list", raise_exception=True)
def review_export(request):
    _form, entries = _filtered_entries(request)
    response = HttpResponse(exports.entries_workbook(entries), content_type=XLSX_MIME)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="entries-{stamp}.xlsx"'
    return response


@login_required
@require_POST
@permission_required("submissions.review_list", raise_exception=True)
def review_bulk_accept(request):
    ids = [value for value in request.POST.getlist("entry") if value.isdigit()]
    entries = list(Entry.objects.filter(pk__in=ids, edition__in=_organised(request.user)).order_by("id"))
    if not entries:
        messages.error(request, _("Select the entries to accept."))
    else:
        accepted, skipped = services.bulk_accept(entries=entries, by=request.user)
        messages.success(request, _("%(count)s entries accepted.") % {"count": len(accepted)})
        if skipped:
            messages.warning(
                request,
                _("%(count)s entries were not submitted for review and were left as they are: %(titles)s")
                % {"count": len(skipped), "titles": "、".join(entry.title for entry in skipped)},
            )
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("submissions:review_list")


def _entry_for_review(request, pk) -> Entry:
    entry = get_object_or_404(
        Entry.objects.select_related("edition", "category", "enterprise", "recommending_unit", "venue"), pk=pk
    )
    if not request.user.has_perm("submissions.review_entry", entry):
        raise PermissionDenied
    return entry


@login_required
def review_entry(request, pk):
    entry = _entry_for_review(request, pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.review_entry(
                entry=entry,
                by=request.user,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request,
                _("The entry is now %(status)s.") % {"status": entry.get_status_display()}
                + (f" {entry.code}" if entry.code else ""),
            )
        return redirect("submissions:review_entry", pk=entry.pk)
    return render(
        request,
        "submissions/review_entry.html",
        {
            "entry": entry,
            "form": form,
            "members": entry.members.all(),
            "entry_files": entry.files.all(),
            "transitions": entry.transitions.select_related("by"),
            "changed_during_review": services.changed_during_review(entry),
            "can_decide": entry.status in services.REVIEWABLE,
            **_recommendation_of(request, entry),
            "decision_stays": services.why_decision_stays(entry) if entry.status in services.REVISABLE else "",
            "can_revise": entry.status in services.REVISABLE,
            "reopen_form": ReopenReviewForm(),
        },
    )


@login_required
@require_POST
def review_reopen(request, pk):
    entry = _entry_for_review(request, pk)
    form = ReopenReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give the reason for revising the decision."))
    else:
        try:
            services.reopen_review(entry=entry, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("The format review is reopened: take the new decision below."))
    return redirect("submissions:review_entry", pk=entry.pk)


@login_required
@require_POST
def review_start(request, pk):
    entry = _entry_for_review(request, pk)
    try:
        services.start_review(entry=entry, by=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect("submissions:review_entry", pk=entry.pk)


# --- recommendation lists ------------------------------------------------------------------------


def _import_editions(user):
    """The editions the user may upload a list to: an organiser's own; a unit's, those of its association open for
    entries."""
    if user.is_organiser:
        return _organised(user)
    unit = recommending_unit_of(user)
    return services.editions_accepting().filter(association=unit.association_id if unit else None)


MESSAGE_LEVELS = {"success": messages.SUCCESS, "info": messages.INFO, "error": messages.ERROR}
# Rows of a report shown on the page; the counts above the tables are of them all.
ROWS_SHOWN = 500


@login_required
@permission_required("submissions.upload_recommendations", raise_exception=True)
def recommendation_upload(request):
    """Two steps: the uploaded list is checked and previewed, nothing written; the organiser confirms, and the kept
    file is checked again and imported: in the request, or past IMPORT_BACKGROUND_ROWS rows by the worker while the
    page (?job=<id>) shows its progress (asked for as JSON by the page's script)."""
    job_id = request.GET.get("job", "")
    job = import_jobs.status(job_id, by=request.user) if job_id else None
    if job_id and job is None:
        raise Http404
    if job and "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(job)
    editions = _import_editions(request.user)
    confirming = request.method == "POST" and "token" in request.POST
    form = RecommendationUploadForm(
        request.POST if request.method == "POST" and not confirming else None,
        request.FILES or None,
        editions=editions,
    )
    confirm = RecommendationConfirmForm(request.POST if confirming else None, editions=editions)
    report = stage = None
    if confirming:
        background = _confirm_in_background(request, confirm)
        if background:
            return redirect(f"{reverse('submissions:recommendation_upload')}?job={background}")
        report, stage = _confirm_recommendations(request, confirm)
    elif request.method == "POST" and form.is_valid():
        report, confirm = _preview_recommendations(request, form, editions)
        stage = "preview" if report is not None else None
    recommended = proposals = deleted = None
    if request.user.is_recommender:
        unit_id = recommending_unit_id_of(request.user)
        proposals = (
            Recommendation.objects.filter(
                unit_id=unit_id, status=Recommendation.Status.PENDING, proposed_by_side=Recommendation.Side.ENTERPRISE
            )
            .select_related("enterprise", "edition")
            .order_by("-edition__year", "enterprise__name")
        )
        deleted = DeletedDraft.objects.filter(unit_id=unit_id).select_related("enterprise", "edition")[:100]
        recommended = Paginator(
            Entry.objects.filter(recommending_unit_id=recommending_unit_id_of(request.user))
            .select_related("edition", "category", "enterprise", "venue")
            .order_by("-edition__year", "category__position", "enterprise__name", "title"),
            50,
        ).get_page(request.GET.get("page"))
        recommended.object_list = services.follow_entries(recommended.object_list)
    return render(
        request,
        "submissions/recommendation_upload.html",
        {
            "form": form,
            "confirm": confirm,
            "stage": stage,
            "report": report,
            "planned_shown": report.valid[:ROWS_SHOWN] if report else [],
            "errors_shown": report.errors[:ROWS_SHOWN] if report else [],
            "max_rows": imports.MAX_ROWS,
            "page": recommended,
            "proposals": proposals,
            "deleted_drafts": deleted,
            "job": job,
        },
    )


def _preview_recommendations(request, form, editions):
    """Step one: check the list and keep it for the confirmation; nothing is written. (report, confirm form)."""
    edition, upload = form.cleaned_data["edition"], form.cleaned_data["file"]
    try:
        report = imports.import_recommendations(upload=upload, edition=edition, by=request.user, dry_run=True)
    except ValidationError as error:
        form.add_error("file", error)
        return None, RecommendationConfirmForm(editions=editions)
    if not report.valid:
        if report.errors:
            messages.error(request, _("Nothing can be imported: correct the rows below and upload the list again."))
        else:
            messages.info(request, _("Nothing new to import."))
        return report, RecommendationConfirmForm(editions=editions)
    token = uploads.stash(upload, by=request.user, kind=imports.upload_kind(edition), rows=report.rows)
    return report, RecommendationConfirmForm(initial={"edition": edition, "token": token}, editions=editions)


def _confirm_in_background(request, confirm) -> str | None:
    """The job importing a confirmed list large enough for the worker (import_jobs.start_if_large); None otherwise."""
    if not confirm.is_valid():
        return None
    edition = confirm.cleaned_data["edition"]
    return import_jobs.start_if_large(
        request=request,
        token=confirm.cleaned_data["token"],
        kind=imports.upload_kind(edition),
        task_name="submissions.import_recommendations",
        edition_id=edition.pk,
        valid_rows_only=confirm.cleaned_data["valid_rows_only"],
    )


def _confirm_recommendations(request, confirm):
    """Step two: check the kept list again and import it. (report, stage) where stage says what the page shows."""
    if not confirm.is_valid():
        return None, None
    edition, token = confirm.cleaned_data["edition"], confirm.cleaned_data["token"]
    valid_rows_only = confirm.cleaned_data["valid_rows_only"]
    try:
        upload = uploads.load(token, by=request.user, kind=imports.upload_kind(edition))
    except ValidationError as error:
        confirm.add_error(None, error)
        return None, None
    try:
        report = imports.import_recommendations(
            upload=upload, edition=edition, by=request.user, valid_rows_only=valid_rows_only
        )
    except ValidationError as error:
        uploads.discard(token)
        confirm.add_error(None, error)
        return None, None
    level, told = imports.outcome(report, valid_rows_only=valid_rows_only)
    for message in told:
        messages.add_message(request, MESSAGE_LEVELS[level], message)
    if report.errors and not valid_rows_only and report.valid:
        return report, "preview"  # the rows to correct, and the choice to import only the valid ones
    uploads.discard(token)
    return report, "done"


@login_required
@require_POST
def recommendation_decide(request, pk):
    """The other side of a pending recommendation link (or an organiser of its edition) confirms or declines it:
    a 404 for anyone not party to it, a 403 for the side that proposed it."""
    recommendation = get_object_or_404(Recommendation.objects.select_related("enterprise", "unit"), pk=pk)
    if not request.user.has_perm("submissions.view_recommendation", recommendation):
        raise Http404
    if not request.user.has_perm("submissions.decide_recommendation", recommendation):
        raise PermissionDenied
    decision = request.POST.get("decision")
    if decision not in ("confirm", "decline"):
        messages.error(request, _("Choose to confirm or to decline the recommendation."))
    else:
        try:
            services.decide_recommendation(
                recommendation=recommendation, by=request.user, confirm=decision == "confirm"
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            text = (
                _("%(unit)s is confirmed as the recommending unit of %(enterprise)s.")
                if decision == "confirm"
                else _("The recommendation of %(enterprise)s by %(unit)s is declined.")
            )
            messages.success(
                request, text % {"unit": recommendation.unit.name, "enterprise": recommendation.enterprise.name}
            )
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    if request.user.is_recommender:
        return redirect("submissions:recommendation_upload")
    if request.user.is_enterprise_user:
        return redirect("submissions:dashboard")
    return redirect("submissions:review_list")


@login_required
@permission_required("submissions.upload_recommendations", raise_exception=True)
def recommendation_template(request):
    edition = None
    if request.GET.get("edition", "").isdigit():
        edition = _import_editions(request.user).filter(pk=request.GET["edition"]).first()
    response = HttpResponse(imports.template_workbook(edition=edition), content_type=XLSX_MIME)
    response["Content-Disposition"] = 'attachment; filename="recommendation-list-template.xlsx"'
    return response
