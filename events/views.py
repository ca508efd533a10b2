"""The organiser's pages: editions, their rubrics, categories with grades, venues with panels, and the dashboard.

Every page loads its object, then checks that the user organises the object's edition (403 otherwise).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from events import announcements, queries, rubrics, services
from events.forms import (
    AnnouncementForm,
    CategoryForm,
    CriterionFormSet,
    EditionCopyForm,
    EditionCreateForm,
    EditionEditForm,
    GradeFormSet,
    OrganiserForm,
    PanelForm,
    RubricForm,
    RubricTemplateForm,
    StatusForm,
    VenueForm,
    criterion_initial,
    grade_initial,
)
from events.models import Association, Category, Edition, Rubric, Venue
from portal.text import clean_text


def _organised(request, edition: Edition) -> Edition:
    if not request.user.has_perm("events.change_edition", edition):
        raise PermissionDenied
    return edition


def _edition(request, pk) -> Edition:
    # The association comes with it: every page of an edition shows its contact at its foot.
    return _organised(request, get_object_or_404(Edition.objects.select_related("association"), pk=pk))


def _error(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --- editions --------------------------------------------------------------------------------------


@permission_required("events.view_edition_list", raise_exception=True)
def edition_list(request):
    """The editions the organiser reaches, with the associations they work for (each one's team and settings)."""
    associations = list(Association.objects.of(request.user).order_by("name"))
    context = {
        "editions": queries.editions_for(request.user).select_related("association"),
        "associations": associations if not request.user.is_superuser else [],
        "several": len(associations) > 1,
    }
    return render(request, "events/edition_list.html", context)


@permission_required("events.add_edition", raise_exception=True)
def edition_create(request):
    form = EditionCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            edition = services.create_edition(
                by=request.user, edition=form.instance, categories=form.cleaned_data["categories"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The edition is created as a draft."))
            return redirect("events:dashboard", edition.pk)
    return render(request, "events/edition_form.html", {"form": form, "creating": True})


@login_required
def dashboard(request, pk):
    edition = _edition(request, pk)
    context = {
        "edition": edition,
        "sections": [
            render_to_string(section.template, {**section.context, "edition": edition}, request=request)
            for section in queries.sections(edition)
        ],
        "readiness": queries.readiness(edition),
        "warnings": queries.warnings(edition),
        "todo": queries.todo(edition),
        "history": edition.status_changes.select_related("by"),
        "section": "dashboard",
    }
    return render(request, "events/dashboard.html", context)


@permission_required("events.view_edition_list", raise_exception=True)
def todo(request):
    """Where an organiser starts: what waits in each edition the organiser runs, each a count with its page."""
    editions = Edition.objects.organised_by(request.user).exclude(status=Edition.Status.PUBLISHED)
    rows = [(edition, queries.todo(edition)) for edition in editions.order_by("-year", "-number", "-pk")]
    return render(request, "events/todo.html", {"rows": rows})


@login_required
def team(request, pk):
    """The edition's organiser team: add a colleague with the organiser role, or take one off (audited)."""
    edition = _edition(request, pk)
    form = OrganiserForm(request.POST or None, association=edition.association)
    if request.method == "POST" and form.is_valid():
        service = services.add_organiser if form.cleaned_data["action"] == "add" else services.remove_organiser
        try:
            service(edition=edition, user=form.cleaned_data["user"], by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The organiser team is saved."))
            if not request.user.has_perm("events.change_edition", edition):
                return redirect("events:edition_list")
            return redirect("events:team", edition.pk)
    context = {
        "edition": edition,
        "form": form,
        "organisers": edition.organisers.order_by("full_name", "email"),
        "section": "team",
    }
    return render(request, "events/team.html", context, status=400 if form.errors else 200)


@login_required
def edition_edit(request, pk):
    edition = _edition(request, pk)
    form = EditionEditForm(request.POST or None, instance=edition)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_edition(edition=form.instance, organisers=form.cleaned_data["organisers"], by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The edition is saved."))
            if not request.user.has_perm("events.change_edition", edition):
                return redirect("events:edition_list")
            return redirect("events:dashboard", edition.pk)
    return render(request, "events/edition_form.html", {"form": form, "edition": edition, "section": "edit"})


@login_required
@require_POST
def edition_status(request, pk):
    edition = _edition(request, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.change_status(edition=edition, to=form.cleaned_data["to"], by=request.user)
        except ValidationError as error:
            _error(request, error)
        else:
            edition.refresh_from_db()
            messages.success(request, _("The edition is now “%(status)s”.") % {"status": edition.get_status_display()})
    else:
        messages.error(request, _("Unknown status."))
    return redirect("events:dashboard", edition.pk)


@login_required
def edition_copy(request, pk):
    edition = _edition(request, pk)
    year = edition.year + 1
    name = edition.name.replace(str(edition.year), str(year))
    initial = {"name": name, "number": edition.number + 1, "year": year}
    form = EditionCopyForm(request.POST or None, initial=initial, association=edition.association)
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.copy_edition(edition=edition, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The new edition is created from this one's configuration."))
            return redirect("events:dashboard", copy.pk)
    return render(request, "events/edition_copy.html", {"form": form, "edition": edition, "section": "copy"})


# --- rubrics ---------------------------------------------------------------------------------------


@login_required
def rubric_list(request, pk):
    edition = _edition(request, pk)
    form = RubricTemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rubric = rubrics.create_rubric_from_template(
                edition=edition, key=form.cleaned_data["template"], name=form.cleaned_data["name"] or None
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The rubric is added. Check its criteria."))
            return redirect("events:rubric_edit", rubric.pk)
    listed = edition.rubrics.prefetch_related("criteria").order_by("name")
    return render(
        request,
        "events/rubric_list.html",
        {"edition": edition, "rubrics": listed, "form": form, "section": "rubrics"},
    )


def _rubric_page(request, edition: Edition, rubric: Rubric):
    locked = bool(rubric.pk) and rubric.is_locked
    form = RubricForm(request.POST or None, instance=rubric, locked=locked)
    initial = criterion_initial(rubric) if rubric.pk else []
    formset = CriterionFormSet(request.POST or None, initial=initial, prefix="criteria")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        criteria = formset.rows()
        if locked:
            # Only the criteria's descriptions may change on a rubric in use.
            descriptions = {row.get("id"): row.get("description", "") for row in criteria}
            criteria = [{**row, "description": descriptions.get(row["id"], row["description"])} for row in initial]
        try:
            form.instance.edition = edition
            saved = rubrics.save_rubric(rubric=form.instance, criteria=criteria)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The rubric is saved."))
            return redirect("events:rubric_edit", saved.pk)
    return render(
        request,
        "events/rubric_form.html",
        {
            "edition": edition,
            "rubric": rubric,
            "form": form,
            "formset": formset,
            "locked": locked,
            "section": "rubrics",
        },
    )


@login_required
def rubric_create(request, pk):
    edition = _edition(request, pk)
    return _rubric_page(request, edition, Rubric(edition=edition))


@login_required
def rubric_edit(request, pk):
    rubric = get_object_or_404(Rubric.objects.select_related("edition"), pk=pk)
    edition = _organised(request, rubric.edition)
    return _rubric_page(request, edition, rubric)


@login_required
@require_POST
def rubric_copy(request, pk):
    rubric = get_object_or_404(Rubric.objects.select_related("edition"), pk=pk)
    _organised(request, rubric.edition)
    name = clean_text(request.POST.get("name", "")) or _("%(name)s (copy)") % {"name": rubric.name}
    try:
        copy = rubrics.copy_rubric(rubric=rubric, name=name[:200])
    except ValidationError as error:
        _error(request, error)
        return redirect("events:rubric_edit", rubric.pk)
    messages.success(request, _("The rubric is copied; you can edit the copy."))
    return redirect("events:rubric_edit", copy.pk)


@login_required
@require_POST
def rubric_delete(request, pk):
    rubric = get_object_or_404(Rubric.objects.select_related("edition"), pk=pk)
    edition = _organised(request, rubric.edition)
    try:
        rubrics.delete_rubric(rubric=rubric)
    except ValidationError as error:
        _error(request, error)
        return redirect("events:rubric_edit", rubric.pk)
    messages.success(request, _("The rubric is deleted."))
    return redirect("events:rubric_list", edition.pk)


# --- categories ------------------------------------------------------------------------------------


@login_required
def category_list(request, pk):
    edition = _edition(request, pk)
    categories = (
        edition.categories.select_related("rubric", "innovation_rubric")
        .prefetch_related("grade_rules")
        .order_by("position", "pk")
    )
    return render(
        request,
        "events/category_list.html",
        {"edition": edition, "categories": categories, "section": "categories"},
    )


def _category_page(request, edition: Edition, category: Category):
    form = CategoryForm(request.POST or None, instance=category, edition=edition)
    initial = grade_initial(category) if category.pk else []
    formset = GradeFormSet(request.POST or None, initial=initial, prefix="grades")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            form.instance.edition = edition
            saved = services.save_category(
                category=form.instance,
                grades=formset.rows(),
                by=request.user,
                reason=form.cleaned_data["change_reason"],
                confirm_rubric_switch=form.cleaned_data["confirm_rubric_switch"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The category is saved."))
            return redirect("events:category_list", saved.edition_id)
    return render(
        request,
        "events/category_form.html",
        {"edition": edition, "category": category, "form": form, "formset": formset, "section": "categories"},
    )


@login_required
def category_create(request, pk):
    edition = _edition(request, pk)
    position = edition.categories.count() + 1
    return _category_page(request, edition, Category(edition=edition, position=position))


@login_required
def category_edit(request, pk):
    category = get_object_or_404(Category.objects.select_related("edition"), pk=pk)
    edition = _organised(request, category.edition)
    return _category_page(request, edition, category)


@login_required
@require_POST
def category_delete(request, pk):
    category = get_object_or_404(Category.objects.select_related("edition"), pk=pk)
    edition = _organised(request, category.edition)
    try:
        services.delete_category(category=category)
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(request, _("The category is deleted."))
    return redirect("events:category_list", edition.pk)


# --- venues and panels -----------------------------------------------------------------------------


@login_required
def venue_list(request, pk):
    edition = _edition(request, pk)
    return render(
        request,
        "events/venue_list.html",
        {"edition": edition, "venues": queries.venues_with_panels(edition), "section": "venues"},
    )


def _venue_page(request, edition: Edition, venue: Venue):
    form = VenueForm(request.POST or None, instance=venue, edition=edition)
    if request.method == "POST" and form.is_valid():
        try:
            form.instance.edition = edition
            saved = services.save_venue(venue=form.instance)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The venue is saved."))
            if not saved.panel.exists():
                return redirect("events:panel", saved.pk)
            return redirect("events:venue_list", edition.pk)
    return render(
        request, "events/venue_form.html", {"edition": edition, "venue": venue, "form": form, "section": "venues"}
    )


@login_required
def venue_create(request, pk):
    edition = _edition(request, pk)
    return _venue_page(request, edition, Venue(edition=edition))


@login_required
def venue_edit(request, pk):
    venue = get_object_or_404(Venue.objects.select_related("edition"), pk=pk)
    edition = _organised(request, venue.edition)
    return _venue_page(request, edition, venue)


@login_required
@require_POST
def venue_delete(request, pk):
    venue = get_object_or_404(Venue.objects.select_related("edition"), pk=pk)
    edition = _organised(request, venue.edition)
    try:
        services.delete_venue(venue=venue)
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(request, _("The venue is deleted."))
    return redirect("events:venue_list", edition.pk)


@login_required
def panel(request, pk):
    venue = get_object_or_404(Venue.objects.select_related("edition", "category"), pk=pk)
    edition = _organised(request, venue.edition)
    seats = list(venue.panel.select_related("judge"))
    initial = {
        "judges": [seat.judge for seat in seats],
        "leader": next((seat.judge for seat in seats if seat.is_leader), None),
    }
    form = PanelForm(
        request.POST or None,
        initial=initial,
        association=venue.edition.association,
        busy=services.busy_judges(venue=venue),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_panel(venue=venue, judges=form.cleaned_data["judges"], leader=form.cleaned_data["leader"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The panel of %(venue)s is saved.") % {"venue": venue.name})
            return redirect("events:venue_list", edition.pk)
    return render(
        request, "events/panel_form.html", {"edition": edition, "venue": venue, "form": form, "section": "venues"}
    )


# --- announcements ---------------------------------------------------------------------------------


@login_required
def announcement_list(request, pk):
    """Send an announcement to one audience of the edition; the ones sent, newest first."""
    edition = _edition(request, pk)
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sent = announcements.send_announcement(edition=edition, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            count = sent.recipients.count()
            messages.success(
                request,
                ngettext(
                    "The announcement is sent to %(count)s person.",
                    "The announcement is sent to %(count)s people.",
                    count,
                )
                % {"count": count},
            )
            return redirect("events:announcements", edition.pk)
    sent = edition.announcements.select_related("sent_by").annotate(recipient_count=Count("recipients"))
    return render(
        request,
        "events/announcements.html",
        {"edition": edition, "form": form, "sent": sent, "section": "announcements"},
    )
