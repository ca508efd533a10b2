"""The organisers' page of recommending units and their users: add a user, invite, see who has accepted."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from portal import invitations
from submissions import units
from submissions.forms import UnitInviteForm, UnitUserForm


@login_required
@permission_required("submissions.manage_units", raise_exception=True)
def unit_list(request):
    form = UnitUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = units.add_unit_user(**form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s is a user of the unit.") % {"name": user.get_full_name()})
            return redirect("submissions:units")
    rows = [
        (unit, [(membership.user, invitations.has_accepted(membership.user)) for membership in unit.memberships.all()])
        for unit in units.units_with_users()
    ]
    return render(request, "submissions/units.html", {"form": form, "rows": rows}, status=400 if form.errors else 200)


@login_required
@permission_required("submissions.manage_units", raise_exception=True)
@require_POST
def unit_invite(request):
    form = UnitInviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the users to invite."))
        return redirect("submissions:units")
    count = units.invite(users=form.cleaned_data["users"], by=request.user)
    if count:
        messages.success(
            request,
            ngettext("%(count)s invitation is sent.", "%(count)s invitations are sent.", count) % {"count": count},
        )
    else:
        messages.info(request, _("Nobody was invited: the users chosen have all accepted already."))
    return redirect("submissions:units")
