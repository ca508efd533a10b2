"""Organisers' pages for judges (the list, adding one, importing a list, invitations, the declarations of an
edition) and the judge's declaration before the first sheet of an edition."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from events import associations
from events.models import Edition, PanelMember
from portal import uploads
from portal.spreadsheets import XLSX_MIME
from scoring import people
from scoring.forms import DeclarationForm, InviteForm, JudgeForm, JudgeImportForm


def _check(request, perm, obj=None):
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


@login_required
def judges(request):
    """Every judge: details, invited when, accepted or not; add one; invite the chosen ones."""
    _check(request, "scoring.manage_judges")
    association = associations.chosen(request)
    form = JudgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            judge = people.add_judge(association=association, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s is on the list of judges.") % {"name": judge.get_full_name()})
            return associations.back_to(request, "scoring:judges", association)
    rows = [(judge, people.has_accepted(judge)) for judge in people.judges(association)]
    context = {
        "form": form,
        "rows": rows,
        "accepted": sum(1 for _judge, accepted in rows if accepted),
        "association": association,
        "associations": associations.choices(request),
    }
    return render(request, "scoring/people/judges.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def invite(request):
    _check(request, "scoring.manage_judges")
    association = associations.chosen(request)
    form = InviteForm(request.POST, association=association)
    if not form.is_valid():
        messages.error(request, _("Choose the judges to invite."))
        return associations.back_to(request, "scoring:judges", association)
    count = people.invite(users=form.cleaned_data["judges"], by=request.user)
    if count:
        messages.success(
            request,
            ngettext("%(count)s invitation is sent.", "%(count)s invitations are sent.", count) % {"count": count},
        )
    else:
        messages.info(request, _("Nobody was invited: the judges chosen have all accepted already."))
    return associations.back_to(request, "scoring:judges", association)


@login_required
def judge_template(request):
    _check(request, "scoring.manage_judges")
    response = HttpResponse(people.template_workbook(), content_type=XLSX_MIME)
    response["Content-Disposition"] = 'attachment; filename="judges-template.xlsx"'
    return response


@login_required
def import_judges(request):
    """Two steps, like the other imports: the file is checked and previewed, nothing written; the organiser
    confirms, and the kept file is checked again and written."""
    _check(request, "scoring.manage_judges")
    association = associations.chosen(request)

    def done(report):
        messages.success(
            request,
            _("The list is imported: %(created)s judges added, %(updated)s updated.")
            % {"created": report.created, "updated": report.updated},
        )
        return associations.back_to(request, "scoring:judges", association)

    return uploads.import_page(
        request,
        form_class=JudgeImportForm,
        kind=people.UPLOAD_KIND,
        read=partial(people.import_judges, association=association),
        template="scoring/people/import.html",
        done=done,
    )


@login_required
def declarations(request, edition_pk):
    """Who on the edition's panels has confirmed the declaration, and when."""
    edition = get_object_or_404(Edition.objects.select_related("association"), pk=edition_pk)
    _check(request, "scoring.manage_venue", edition)
    rows = people.panel_declarations(edition)
    return render(
        request,
        "scoring/people/declarations.html",
        {"edition": edition, "rows": rows, "confirmed": sum(1 for _judge, d in rows if d)},
    )


@login_required
def declare(request, edition_pk):
    """The judge's declaration for the edition, before the first sheet; then on to where the judge was going."""
    edition = get_object_or_404(Edition.objects.select_related("association"), pk=edition_pk)
    if not PanelMember.objects.filter(venue__edition=edition, judge=request.user).exists():
        raise PermissionDenied
    follow = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(follow, allowed_hosts={request.get_host()}):
        follow = ""
    declaration = edition.declarations.filter(judge=request.user).first()
    form = DeclarationForm(request.POST if declaration is None and request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        people.declare(judge=request.user, edition=edition, conflicts=form.cleaned_data["conflicts"])
        messages.success(request, _("Thank you: your declaration is recorded."))
        return redirect(follow or "scoring:judge_home")
    return render(
        request,
        "scoring/judging/declaration.html",
        {"edition": edition, "form": form, "declaration": declaration, "next": follow},
        status=400 if form.errors else 200,
    )
