"""Associations' pages: the platform administrator's list of every association and the form that creates one with
its first administrator; an association's settings (its administrators) and its team (seen by every organiser on
it, changed by its administrators)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from events import associations
from events.forms import AssociationCreateForm, AssociationForm, MemberAddForm, MemberChangeForm
from events.models import Association, AssociationEvent, AssociationMember

TRAIL_LINES = 30


def _association(request, pk, perm: str) -> Association:
    association = get_object_or_404(Association, pk=pk)
    if not request.user.has_perm(perm, association):
        raise PermissionDenied
    return association


def _error(form, error: ValidationError) -> None:
    form.add_error(None, error)


def _page(request, association: Association, section: str) -> dict:
    """What every page of an association shows: its tabs, and the other associations the user works for."""
    others = Association.objects.of(request.user).exclude(pk=association.pk).order_by("name")
    return {
        "association": association,
        "section": section,
        "can_change": request.user.has_perm("events.change_association", association),
        "others": others if not request.user.is_superuser else [],  # the platform administrator has the list
    }


def _said(event: AssociationEvent) -> str:
    """A line of the trail in words: the role, or which settings changed."""
    roles = dict(AssociationMember.Role.choices)
    old, new = event.old_values or {}, event.new_values or {}
    if event.action == AssociationEvent.Action.ROLE_CHANGED:
        return f"{roles.get(old.get('role'), old.get('role'))} → {roles.get(new.get('role'), new.get('role'))}"
    if event.action in (AssociationEvent.Action.MEMBER_ADDED, AssociationEvent.Action.MEMBER_REMOVED):
        role = new.get("role") or old.get("role")
        return str(roles.get(role, role or ""))
    if event.action == AssociationEvent.Action.SETTINGS_CHANGED:
        names = {field.name: field.verbose_name for field in Association._meta.fields}
        return "、".join(str(names.get(name, name)) for name in new)
    return ""


# --- the platform administrator's ----------------------------------------------------------------------------


@login_required
@permission_required("events.manage_associations", raise_exception=True)
def association_list(request):
    """Every association with how many editions and team members it has."""
    rows = Association.objects.annotate(
        edition_count=Count("editions", distinct=True), member_count=Count("members", distinct=True)
    ).order_by("name")
    return render(request, "events/associations/list.html", {"associations": rows})


@login_required
@permission_required("events.manage_associations", raise_exception=True)
def association_create(request):
    form = AssociationCreateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            association, invited = associations.create_association(
                association=form.instance,
                email=form.cleaned_data["administrator_email"],
                full_name=form.cleaned_data["administrator_name"],
                logo=form.cleaned_data.get("logo_file"),
                by=request.user,
            )
        except ValidationError as error:
            _error(form, error)
        else:
            if invited:
                messages.success(
                    request,
                    _("%(name)s is created; its administrator is invited by e-mail to set a password.")
                    % {"name": association.name},
                )
            else:
                messages.success(request, _("%(name)s is created.") % {"name": association.name})
            return redirect("events:association_team", association.pk)
    return render(request, "events/associations/create.html", {"form": form}, status=400 if form.errors else 200)


# --- an association's own ------------------------------------------------------------------------------------


@login_required
@permission_required("events.add_edition", raise_exception=True)
def my_association(request):
    """The navigation's way to the association the organiser works for (the chosen one, for several)."""
    return redirect("events:association_team", associations.chosen(request).pk)


@login_required
def association_settings(request, pk):
    """The association's name, public address, logo and contact details: its administrators' (and the platform
    administrator's)."""
    association = _association(request, pk, "events.change_association")
    old = associations.settings_of(association)
    form = AssociationForm(request.POST or None, request.FILES or None, instance=association)
    if request.method == "POST" and form.is_valid():
        try:
            associations.save_settings(
                association=form.instance,
                old=old,
                logo=form.cleaned_data.get("logo_file"),
                remove_logo=form.cleaned_data.get("remove_logo", False),
                by=request.user,
            )
        except ValidationError as error:
            _error(form, error)
        else:
            messages.success(request, _("The association's settings are saved."))
            return redirect("events:association_settings", association.pk)
    if form.errors:
        association.refresh_from_db()  # the page's headings show the saved name, not the refused one
    context = {**_page(request, association, "settings"), "form": form}
    return render(request, "events/associations/settings.html", context, status=400 if form.errors else 200)


@login_required
def association_team(request, pk):
    """The team: who works for the association and in which role, and what changed; its administrators add an
    organiser by e-mail address (a new account is invited)."""
    association = _association(request, pk, "events.view_association")
    page = _page(request, association, "team")
    form = MemberAddForm(request.POST or None)
    if request.method == "POST":
        if not page["can_change"]:
            raise PermissionDenied
        if form.is_valid():
            try:
                user, invited = associations.add_member(association=association, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                _error(form, error)
            else:
                text = _("%(name)s is on the team.") % {"name": user.get_full_name()}
                if invited:
                    text = _("%(name)s is on the team and is invited by e-mail to set a password.") % {
                        "name": user.get_full_name()
                    }
                messages.success(request, text)
                return redirect("events:association_team", association.pk)
    context = {
        **page,
        "form": form,
        "members": association.members.select_related("user").order_by("user__full_name", "user__email"),
        "roles": AssociationMember.Role.choices,
        "trail": [(event, _said(event)) for event in association.events.select_related("user")[:TRAIL_LINES]],
    }
    return render(request, "events/associations/team.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def association_member(request, pk):
    """Change a team member's role or take the member off the team (the last administrator stays)."""
    member = get_object_or_404(AssociationMember.objects.select_related("association", "user"), pk=pk)
    association = member.association
    if not request.user.has_perm("events.change_association", association):
        raise PermissionDenied
    form = MemberChangeForm(request.POST)
    if not form.is_valid() or (form.cleaned_data["action"] == "role" and not form.cleaned_data["role"]):
        messages.error(request, _("Choose a role, or remove the member."))
        return redirect("events:association_team", association.pk)
    try:
        if form.cleaned_data["action"] == "remove":
            associations.remove_member(association=association, user=member.user, by=request.user)
            messages.success(request, _("%(name)s is off the team.") % {"name": member.user.get_full_name()})
        else:
            associations.set_member(
                association=association, user=member.user, role=form.cleaned_data["role"], by=request.user
            )
            messages.success(request, _("The role of %(name)s is saved.") % {"name": member.user.get_full_name()})
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    if not request.user.has_perm("events.view_association", association):
        return redirect("events:edition_list")  # someone who took themselves off the team
    return redirect("events:association_team", association.pk)
