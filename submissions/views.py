from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from rules.contrib.views import permission_required

from submissions import services
from submissions.forms import EnterpriseReviewForm, EnterpriseSignupForm
from submissions.models import Enterprise


def signup(request):
    if request.user.is_authenticated:
        return redirect("portal:home")
    form = EnterpriseSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _enterprise, user = services.register_enterprise(
                enterprise_data=form.enterprise_data(),
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                phone=form.cleaned_data["phone"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _(
                    "Your enterprise is registered. The organiser will review it; "
                    "you can submit entries once it is approved."
                ),
            )
            return redirect("portal:home")
    return render(request, "submissions/signup.html", {"form": form})


@permission_required("submissions.review_enterprise", raise_exception=True)
def enterprise_list(request):
    status = request.GET.get("status", Enterprise.Status.PENDING)
    if status not in Enterprise.Status.values:
        status = Enterprise.Status.PENDING
    enterprises = Enterprise.objects.filter(status=status).order_by("-created_at", "name")
    page = Paginator(enterprises, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "submissions/enterprise_list.html",
        {"page": page, "status": status, "statuses": Enterprise.Status.choices, "review_form": EnterpriseReviewForm()},
    )


@permission_required("submissions.review_enterprise", raise_exception=True)
def enterprise_review(request, pk):
    enterprise = get_object_or_404(Enterprise, pk=pk)
    form = EnterpriseReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_enterprise(
                enterprise=enterprise,
                organiser=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if enterprise.pk and form.cleaned_data["decision"] == "approve":
                messages.success(request, _("%(name)s is approved.") % {"name": enterprise.name})
            else:
                messages.info(request, _("%(name)s is rejected.") % {"name": enterprise.name})
            return redirect("submissions:enterprise_list")
    return render(request, "submissions/enterprise_review.html", {"enterprise": enterprise, "form": form})
