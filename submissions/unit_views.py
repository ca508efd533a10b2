"""The organisers' page of recommending units and their users: add a user, invite, see who has accepted."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from events import associations
from portal import invitations, uploads
from portal.spreadsheets import XLSX_MIME
from submissions import units
from submissions.forms import UnitImportForm, UnitInviteForm, UnitUserForm


@login_required
@permission_required("submissions.manage_units", raise_exception=True)
def unit_list(request):
    association = associations.chosen(request)
    form = UnitUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = units.add_unit_user(association=association, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s is a user of the unit.") % {"name": user.get_full_name()})
            return associations.back_to(request, "submissions:units", association)
    rows = [
        (unit, [(membership.user, invitations.has_accepted(membership.user)) for membership in unit.memberships.all()])
        for unit in units.units_with_users(association)
    ]
    context = {
        "form": form,
        "rows": rows,
        "association": association,
        "associations": associations.choices(request),
    }
    return render(request, "submissions/units.html", context, status=400 if form.errors else 200)


@login_required
@permission_required("submissions.manage_units", raise_exception=True)
@require_POST
def unit_invite(request):
    association = associations.chosen(request)
    form = UnitInviteForm(request.POST, association=association)
    if not form.is_valid():
        messages.error(request, _("Choose the users to invite."))
        return associations.back_to(request, "submissions:units", association)
    count = units.invite(users=form.cleaned_data["users"], by=request.user)
    if count:
        messages.success(
            request,
            ngettext("%(count)s invitation is sent.", "%(count)s invitations are sent.", count) % {"count": count},
        )
    else:
        messages.info(request, _("Nobody was invited: the users chosen have all accepted already."))
    return associations.back_to(request, "submissions:units", association)


@login_required
@permission_required("submissions.manage_units", raise_exception=True)
def unit_template(request):
    response = HttpResponse(units.template_workbook(), content_type=XLSX_MIME)
    response["Content-Disposition"] = 'attachment; filename="recommending-unit-users-template.xlsx"'
    return response


@login_required
@permission_required("submissions.manage_units", raise_exception=True)
def unit_import(request):
    """Like the other imports: the file is checked and previewed, nothing written; the confirmation writes it."""
    association = associations.chosen(request)

    def done(report):
        messages.success(
            request,
            _("The list is imported: %(created)s users added, %(updated)s updated.")
            % {"created": report.created, "updated": report.updated},
        )
        return associations.back_to(request, "submissions:units", association)

    return uploads.import_page(
        request,
        form_class=UnitImportForm,
        kind=units.UPLOAD_KIND,
        read=partial(units.import_unit_users, association=association),
        template="submissions/unit_import.html",
        done=done,
    )
