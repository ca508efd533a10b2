"""The organiser's page choosing the plenary entries from the results."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from results import plenary
from results.models import PlenaryEntry
from results.views import _organised_edition


@login_required
def choose(request, edition_pk):
    edition = _organised_edition(request, edition_pk)
    if request.method == "POST":
        try:
            chosen = plenary.choose_plenary(edition=edition, entry_ids=request.POST.getlist("entry"), by=request.user)
        except (ValidationError, ValueError):
            messages.error(
                request, _("Only entries with a computed result of this edition can be chosen for the plenary.")
            )
        else:
            count = len(chosen)
            messages.success(
                request,
                ngettext(
                    "%(count)s entry is chosen for the plenary.", "%(count)s entries are chosen for the plenary.", count
                )
                % {"count": count},
            )
            return redirect("results:plenary", edition.pk)
    chosen = set(PlenaryEntry.objects.filter(edition=edition).values_list("entry_id", flat=True))
    return render(
        request,
        "results/plenary.html",
        {"edition": edition, "results": plenary.candidates(edition), "chosen": chosen, "section": "plenary"},
    )
