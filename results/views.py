"""Results pages: the organiser's results dashboard (runs, publication, award lists) and the provisional
results per category and per venue, which panel leaders see for their own venue."""

from collections import defaultdict
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from events.models import Category, Edition, PanelMember, Venue
from events.rules import organises
from portal.models import User
from portal.pdf import PDF_MIME
from portal.spreadsheets import CSV_MIME, XLSX_MIME
from results import award_lists as exports
from results import certificates, engine, runs
from results.models import (
    ACTIVE,
    AwardList,
    Certificate,
    CertificateArchive,
    CertificateTemplate,
    ExclusionReason,
    ProtocolFlag,
    Publication,
    Result,
    ResultRun,
)
from results.protocols import protocols
from results.publication import publication_summary, publish_results, set_document, unsigned_venues
from scoring.rules import leads_panel
from submissions.files import content_disposition

EXCLUSION_REASONS = dict(ExclusionReason.choices)
CATEGORY_PAGE_SIZE = 100
AGGREGATION_LABELS = dict(Category.Aggregation.choices)
DOWNLOAD_TYPES = {AwardList.Format.XLSX: XLSX_MIME, AwardList.Format.CSV: CSV_MIME, AwardList.Format.PDF: PDF_MIME}


class DocumentForm(forms.Form):
    """The notice the award list is issued under: printed in the award list's header."""

    document_number = forms.CharField(
        label=gettext_lazy("Document number"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("As on the notice, e.g. 中机质协〔2021〕25号."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    document_date = forms.DateField(
        label=gettext_lazy("Document date"),
        required=False,
        help_text=gettext_lazy("Empty: the day of the publication."),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )


class PublishForm(DocumentForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason (required to publish again)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    # The computation whose summary the organiser confirms (its fingerprint): publishing needs the summary seen.
    fingerprint = forms.CharField(max_length=64, widget=forms.HiddenInput)


class AwardListForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("List"),
        choices=[
            ("awards", gettext_lazy("Award list (awarded entries only)")),
            ("ranking", gettext_lazy("Full ranking of every entry")),
        ],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=AwardList.Format.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    source = forms.ChoiceField(
        label=gettext_lazy("Results"),
        choices=[
            ("provisional", gettext_lazy("Provisional results")),
            ("published", gettext_lazy("Newest publication")),
        ],
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class CertificateTemplateForm(forms.ModelForm):
    background_file = forms.FileField(label=gettext_lazy("Background image (PNG or JPEG)"), required=False)
    seal_file = forms.FileField(label=gettext_lazy("Seal or signature image (PNG or JPEG)"), required=False)
    remove_background = forms.BooleanField(label=gettext_lazy("Remove the background image"), required=False)
    remove_seal = forms.BooleanField(label=gettext_lazy("Remove the seal image"), required=False)

    class Meta:
        model = CertificateTemplate
        fields = ["heading", "wording", "member_wording", "issuing_body", "issued_on", "number_pattern", "per_member"]
        widgets = {
            "wording": forms.Textarea(attrs={"rows": 4}),
            "member_wording": forms.Textarea(attrs={"rows": 3}),
            "issued_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else "form-control"
            field.widget.attrs.setdefault("class", css)
        if self.instance.edition_id:
            self.fields["issuing_body"].help_text = _("Empty: %(name)s, the edition's association.") % {
                "name": self.instance.edition.association.name
            }

    def clean_wording(self):
        return certificates.check_wording(self.cleaned_data["wording"])

    def clean_member_wording(self):
        return certificates.check_wording(self.cleaned_data["member_wording"])

    def clean_number_pattern(self):
        return certificates.check_number_pattern(self.cleaned_data["number_pattern"])

    def clean_background_file(self):
        upload = self.cleaned_data.get("background_file")
        if upload:
            certificates.check_image(upload)
        return upload

    def clean_seal_file(self):
        upload = self.cleaned_data.get("seal_file")
        if upload:
            certificates.check_image(upload)
        return upload


# --- access --------------------------------------------------------------------------------------------


def _organised_edition(request, pk) -> Edition:
    edition = get_object_or_404(Edition.objects.select_related("association"), pk=pk)
    if not organises(request.user, edition):
        raise PermissionDenied
    return edition


def _can_see_venue(user, venue) -> bool:
    return organises(user, venue) or leads_panel(user, venue)


# --- pages ---------------------------------------------------------------------------------------------


@login_required
def results_home(request):
    """Where an organiser finds each edition's results, and a panel leader the venues it leads."""
    user = request.user
    editions = Edition.objects.none()
    if user.is_organiser:
        editions = Edition.objects.organised_by(user).order_by("-year", "-number")
    led = (
        Venue.objects.filter(panel__judge=user, panel__is_leader=True)
        .select_related("edition", "category")
        .order_by("-edition__year", "name")
        if user.is_judge
        else Venue.objects.none()
    )
    if not user.is_organiser and not user.is_judge:
        raise PermissionDenied
    return render(request, "results/home.html", {"editions": editions, "led_venues": led})


def _category_lines(edition):
    counts = {
        row["category_id"]: row
        for row in Result.objects.filter(category__edition=edition)
        .values("category_id")
        .annotate(
            entries=Count("id"),
            ranked=Count("id", filter=Q(ranked=True)),
            graded=Count("id", filter=~Q(grade="")),
        )
        .order_by()
    }
    lines = []
    for category in edition.categories.order_by("position", "pk").prefetch_related("venues"):
        line = counts.get(category.pk, {"entries": 0, "ranked": 0, "graded": 0})
        lines.append(
            {
                "category": category,
                "entries": line["entries"],
                "ranked": line["ranked"],
                "unranked": line["entries"] - line["ranked"],
                "graded": line["graded"],
                "venues": sorted(category.venues.all(), key=lambda v: v.name),
            }
        )
    return lines


@login_required
def dashboard(request, edition_pk):
    edition = _organised_edition(request, edition_pk)
    run = runs.latest_run(edition)
    publications = list(edition.publications.select_related("published_by").order_by("-version"))
    for publication in publications:
        publication.document_form = DocumentForm(
            initial={"document_number": publication.document_number, "document_date": publication.document_date},
            auto_id=f"id_%s_{publication.pk}",
        )
    award_lists = list(edition.award_lists.select_related("publication", "requested_by")[:10])
    for award_list in award_lists:
        award_list.list_name = exports.list_name(award_list.awarded_only)
    unranked = (
        Result.objects.filter(category__edition=edition, ranked=False)
        .select_related("entry", "venue")
        .order_by("venue__name", "entry__code")
    )
    context = {
        "edition": edition,
        "run": run,
        "run_active": run is not None and run.status in ACTIVE,
        "done_run": runs.latest_done_run(edition),
        "lines": _category_lines(edition),
        "unranked": unranked,
        "unsigned": unsigned_venues(edition),
        "publications": publications,
        "award_lists": award_lists,
        "lists_active": any(a.status in ACTIVE for a in award_lists),
        "award_form": AwardListForm(),
    }
    return render(request, "results/dashboard.html", context)


@login_required
def status(request, edition_pk):
    """The newest run's progress and the award lists' states, polled by the dashboard."""
    edition = _organised_edition(request, edition_pk)
    run = runs.latest_run(edition)
    return JsonResponse(
        {
            "run": None
            if run is None
            else {"id": run.pk, "status": run.status, "progress": run.progress, "error": run.error},
            "award_lists": [
                {"id": a.pk, "status": a.status} for a in edition.award_lists.order_by("-created_at", "-id")[:10]
            ],
        }
    )


@login_required
@require_POST
def compute(request, edition_pk):
    edition = _organised_edition(request, edition_pk)
    run = runs.start_run(edition=edition, by=request.user)
    messages.success(request, _("The computation of the results is queued (run %(run)s).") % {"run": run.pk})
    return redirect("results:dashboard", edition.pk)


@login_required
@require_POST
def cancel_run(request, pk):
    """Cancel a queued or running computation of an edition the user organises."""
    run = get_object_or_404(ResultRun.objects.select_related("edition"), pk=pk)
    if not organises(request.user, run.edition):
        raise PermissionDenied
    try:
        runs.cancel_run(run=run, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Run %(run)s is cancelled.") % {"run": run.pk})
    return redirect("results:dashboard", run.edition_id)


@login_required
def publish(request, edition_pk):
    """GET: what publishing would publish (entries, ranked and each grade per category) and the confirmation.
    POST: publish the computation whose summary was confirmed (its fingerprint), or say why not."""
    edition = _organised_edition(request, edition_pk)
    if request.method == "POST":
        form = PublishForm(request.POST)
        if not form.is_valid():
            if "fingerprint" in form.errors:
                messages.error(request, _("Check the summary of the results, then confirm the publication."))
            else:
                messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
            return redirect("results:publish", edition.pk)
        try:
            publication = publish_results(
                edition=edition,
                by=request.user,
                reason=form.cleaned_data["reason"],
                seen=form.cleaned_data["fingerprint"],
                document_number=form.cleaned_data["document_number"],
                document_date=form.cleaned_data["document_date"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("results:publish", edition.pk)
        except PermissionDenied:
            messages.error(request, _("You may not change this edition's status."))
            return redirect("results:publish", edition.pk)
        messages.success(
            request, _("The results are published (version %(version)s).") % {"version": publication.version}
        )
        return redirect("results:dashboard", edition.pk)
    run = runs.latest_done_run(edition)
    publications = list(edition.publications.order_by("-version")[:1])
    context = {
        "edition": edition,
        "run": run,
        "summary": publication_summary(edition) if run else [],
        "unsigned": unsigned_venues(edition),
        "republish": bool(publications),
        "form": PublishForm(initial={"fingerprint": run.fingerprint if run else ""}),
    }
    return render(request, "results/publish.html", context)


@login_required
@require_POST
def publication_document(request, pk):
    """Set the document number and date of a publication's award list; its lists are made again."""
    publication = get_object_or_404(Publication.objects.select_related("edition"), pk=pk)
    if not organises(request.user, publication.edition):
        raise PermissionDenied
    form = DocumentForm(request.POST)
    if form.is_valid():
        set_document(publication=publication, by=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("The document number and date of version %(version)s are saved; its award lists are made again.")
            % {"version": publication.version},
        )
    else:
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    return redirect("results:dashboard", publication.edition_id)


@login_required
@require_POST
def request_award_list(request, edition_pk):
    edition = _organised_edition(request, edition_pk)
    form = AwardListForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a format and the results to export."))
        return redirect("results:dashboard", edition.pk)
    publication = None
    if form.cleaned_data["source"] == "published":
        publication = edition.publications.order_by("-version").first()
        if publication is None:
            messages.error(request, _("The results are not published yet."))
            return redirect("results:dashboard", edition.pk)
    exports.queue_award_list(
        edition=edition,
        format=form.cleaned_data["format"],
        publication=publication,
        by=request.user,
        awarded_only=form.cleaned_data["kind"] == "awards",
    )
    messages.success(request, _("The award list is being generated; it appears below when it is ready."))
    return redirect("results:dashboard", edition.pk)


def _is_public(award_list) -> bool:
    """An award list (the awarded entries) of the edition's current publication; the full ranking never is."""
    if not award_list.awarded_only:
        return False
    if award_list.publication_id is None or award_list.edition.status != Edition.Status.PUBLISHED:
        return False
    newest = Publication.objects.filter(edition_id=award_list.edition_id).order_by("-version").first()
    return newest is not None and newest.pk == award_list.publication_id


@require_GET
def award_list_download(request, pk):
    """An award list file: organisers get every one; anyone gets the award lists (not the full ranking) of an
    edition's current publication. Named in Chinese (第四十次交流活动获奖名单.xlsx) with an ASCII fallback."""
    award_list = get_object_or_404(AwardList.objects.select_related("edition", "publication"), pk=pk)
    if not (organises(request.user, award_list) or _is_public(award_list)):
        raise Http404
    if award_list.status != AwardList.Status.DONE or not award_list.file:
        raise Http404
    try:
        handle = award_list.file.open("rb")
    except FileNotFoundError:
        raise Http404
    response = FileResponse(handle, content_type=DOWNLOAD_TYPES[award_list.format])
    name = exports.download_name(
        edition=award_list.edition,
        publication=award_list.publication,
        awarded_only=award_list.awarded_only,
        extension=award_list.format,
    )
    response["Content-Disposition"] = content_disposition(name, fallback=exports.file_name(award_list))
    return response


# --- provisional results -----------------------------------------------------------------------------


def _judge_names(judge_ids) -> dict[int, str]:
    return dict(User.objects.filter(pk__in=set(judge_ids)).values_list("pk", "full_name"))


def _rows(result_list, built, names):
    """Each result with its protocol (built by results.protocols) made readable: judges' names, exclusions'
    reasons."""
    rows = []
    for result in result_list:
        protocol = built.get(result.entry_id, {})
        rows.append(
            {
                "result": result,
                "entry": result.entry,
                "sheets": [
                    {
                        "judge": names.get(s["judge"], f"#{s['judge']}"),
                        "total": s["total"],
                        "tie_points": s.get("tie_points", []),
                        "dropped": s.get("dropped", ""),
                    }
                    for s in protocol.get("sheets", [])
                ],
                "excluded": [
                    {
                        "judge": names.get(x["judge"], f"#{x['judge']}"),
                        "reason": EXCLUSION_REASONS.get(x["reason"], x["reason"]),
                    }
                    for x in protocol.get("excluded", [])
                ],
                "tie_breaks": protocol.get("tie_breaks", []),
                "protocol": protocol,
                "aggregation": AGGREGATION_LABELS.get(protocol.get("aggregation"), ""),
                "below_minimum": ProtocolFlag.BELOW_MIN_SHEETS in protocol.get("flags", []),
                "changed": ProtocolFlag.CHANGED in protocol.get("flags", []),
            }
        )
    return rows


def _judges_in(built):
    ids = []
    for protocol in built.values():
        ids += [s["judge"] for s in protocol.get("sheets", [])]
        ids += [x["judge"] for x in protocol.get("excluded", [])]
    return ids


@login_required
def category_results(request, category_pk):
    category = get_object_or_404(Category.objects.select_related("edition"), pk=category_pk)
    if not organises(request.user, category):
        raise PermissionDenied
    ordered = (
        Result.objects.filter(category=category)
        .select_related("entry__enterprise", "venue")
        .order_by(
            *(["venue__name"] if category.ranking_scope == Category.Scope.VENUE else []),
            "-ranked",
            "rank",
            "entry__code",
        )
    )
    page = Paginator(ordered, CATEGORY_PAGE_SIZE).get_page(request.GET.get("page"))
    result_list = list(page.object_list)
    built = protocols(result_list)
    names = _judge_names(_judges_in(built))
    return render(
        request,
        "results/category.html",
        {
            "category": category,
            "edition": category.edition,
            "rows": _rows(result_list, built, names),
            "page": page,
            "grades": list(category.grade_rules.all()),
            "by_venue": category.ranking_scope == Category.Scope.VENUE,
        },
    )


def panel_statistics(result_list, built, names):
    """The venue's mean and spread of sheet totals and each judge's leniency, from the results' protocols."""
    entries = [
        engine.EntryInput(
            entry_id=r.entry_id,
            venue_id=r.venue_id,
            sheets=tuple(
                engine.Sheet(judge_id=s["judge"], total=Decimal(s["total"]))
                for s in built.get(r.entry_id, {}).get("sheets", [])
            ),
        )
        for r in result_list
    ]
    stats = engine.panel_statistics(entries)
    judges = [
        {"name": names.get(j.judge_id, f"#{j.judge_id}"), "sheets": j.sheets, "deviation": j.mean_deviation}
        for j in stats.judges
    ]
    return stats, judges


@login_required
def venue_results(request, venue_pk):
    venue = get_object_or_404(Venue.objects.select_related("edition", "category"), pk=venue_pk)
    if not _can_see_venue(request.user, venue):
        raise PermissionDenied
    result_list = list(
        Result.objects.filter(venue=venue, category=venue.category)
        .select_related("entry__enterprise", "venue")
        .order_by("-ranked", "rank", "entry__code")
    )
    panel = list(PanelMember.objects.filter(venue=venue).select_related("judge"))
    names = {seat.judge_id: seat.judge.full_name for seat in panel}
    built = protocols(result_list)
    missing = [j for j in _judges_in(built) if j not in names]
    names.update(_judge_names(missing) if missing else {})
    stats, judges = panel_statistics(result_list, built, names)
    by_grade = defaultdict(int)
    for result in result_list:
        if result.grade:
            by_grade[result.grade] += 1
    return render(
        request,
        "results/venue.html",
        {
            "venue": venue,
            "edition": venue.edition,
            "category": venue.category,
            "rows": _rows(result_list, built, names),
            "stats": stats,
            "judges": judges,
            "by_grade": dict(by_grade),
            "is_organiser": organises(request.user, venue),
            "venue_scope": venue.category.ranking_scope == Category.Scope.VENUE,
        },
    )


# --- certificates ------------------------------------------------------------------------------------------


@login_required
def certificate_template(request, edition_pk):
    """The edition's certificate template, its generation and a zip per category of the newest run."""
    edition = _organised_edition(request, edition_pk)
    template = certificates.template_of(edition)
    form = CertificateTemplateForm(request.POST or None, request.FILES or None, instance=template)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            certificates.save_template(
                edition=edition,
                values={name: data[name] for name in CertificateTemplateForm.Meta.fields},
                background=data.get("background_file"),
                seal=data.get("seal_file"),
                remove=[name for name in ("background", "seal") if data.get(f"remove_{name}")],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The certificate template is saved."))
            return redirect("results:certificates", edition.pk)
    run = certificates.newest_run(edition)
    return render(
        request,
        "results/certificates.html",
        {
            "edition": edition,
            "form": form,
            "template": template,
            "run": run,
            "run_active": run is not None and run.status in ACTIVE,
            "archives": list(run.archives.select_related("category")) if run is not None else [],
            "publication": edition.publications.order_by("-version").first(),
            "placeholders": [f"{{{name}}}" for name in certificates.WORDING_FIELDS],
        },
    )


@login_required
@require_POST
def certificates_generate(request, edition_pk):
    """Issue and print the certificates of the newest publication again (after the template changed)."""
    edition = _organised_edition(request, edition_pk)
    try:
        certificates.regenerate_certificates(edition=edition, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The certificates are being generated; the page shows their progress."))
    return redirect("results:certificates", edition.pk)


@login_required
@require_GET
def certificate_archive_download(request, pk):
    """A category's certificates as one zip: organisers of the edition only."""
    archive = get_object_or_404(
        CertificateArchive.objects.select_related("run__edition", "run__publication", "category__edition"), pk=pk
    )
    if not organises(request.user, archive.run.edition):
        raise PermissionDenied
    try:
        handle = archive.file.open("rb")
    except FileNotFoundError:
        raise Http404
    return FileResponse(handle, as_attachment=True, filename=certificates.archive_name(archive))


@login_required
@require_GET
def certificate_download(request, pk):
    """One certificate as a PDF: the entry's enterprise (while it is valid) and the edition's organisers."""
    certificate = get_object_or_404(Certificate.objects.select_related("edition", "entry"), pk=pk)
    if not request.user.has_perm("submissions.view_entry", certificate.entry):
        raise Http404
    if not certificate.is_valid and not organises(request.user, certificate.edition):
        raise Http404
    response = HttpResponse(certificates.certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=certificates.file_name(certificate)
    )
    return response
