"""An enterprise's users: the page where its administrators invite colleagues, decide join requests, give or take
the administrator role and remove users (domain rules in submissions.people); the invitation link; an organiser's
view of an enterprise's users and join requests.

Refusals: someone of another enterprise gets 404 (the object is not theirs to know of); a plain member of the same
enterprise gets 403."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.rules import is_organiser
from submissions import memberships, people
from submissions.models import Enterprise, Invitation, JoinRequest, Membership, PeopleEvent
from submissions.people_forms import AcceptInvitationForm, DecisionForm, InviteForm, RoleForm
from submissions.rules import administers_enterprise, is_enterprise_user, reviews_enterprise

EVENTS_SHOWN = 50


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _managed(request, obj):
    """The membership or join request, if this user administers its enterprise: 404 for another enterprise's
    object, 403 for a plain member of its own."""
    if administers_enterprise(request.user, obj):
        return obj
    if obj.enterprise_id is not None and obj.enterprise_id == memberships.enterprise_id_of(request.user):
        raise PermissionDenied
    raise Http404


def _pending_invitations(enterprise):
    return Invitation.objects.filter(
        enterprise=enterprise, accepted_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def _pending_requests(enterprise):
    return JoinRequest.objects.filter(enterprise=enterprise, status=JoinRequest.Status.PENDING).order_by("created_at")


@login_required
def people_list(request):
    """The enterprise's users for every one of them; for its administrators, the invitation form, the pending
    invitations and join requests, the role and removal buttons and the trail."""
    if not is_enterprise_user(request.user):
        raise PermissionDenied
    enterprise = memberships.enterprise_of(request.user)
    manages = administers_enterprise(request.user, enterprise)
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not manages:
            raise PermissionDenied
        if form.is_valid():
            try:
                people.invite(enterprise=enterprise, email=form.cleaned_data["email"], by=request.user)
            except ValidationError as error:
                form.add_error("email", error)
            else:
                messages.success(
                    request, _("The invitation is sent to %(email)s.") % {"email": form.cleaned_data["email"]}
                )
                return redirect("submissions:people")
    context = {
        "enterprise": enterprise,
        "users": people.users_of(enterprise),
        "manages": manages,
        "form": form,
        "me": memberships.membership_of(request.user),
    }
    if manages:
        context.update(
            invitations=_pending_invitations(enterprise),
            join_requests=_pending_requests(enterprise),
            events=PeopleEvent.objects.filter(enterprise=enterprise).select_related("by")[:EVENTS_SHOWN],
        )
    return render(request, "submissions/people/list.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def member_role(request, pk):
    membership = _managed(request, get_object_or_404(Membership.objects.select_related("user"), pk=pk))
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether to give or remove the administrator role."))
        return redirect("submissions:people")
    try:
        people.set_administrator(
            membership=membership, by=request.user, is_administrator=form.cleaned_data["is_administrator"]
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The role of %(email)s is changed.") % {"email": membership.user.email})
    memberships.forget(request.user)
    return redirect("submissions:people")


@login_required
@require_POST
def member_remove(request, pk):
    membership = _managed(request, get_object_or_404(Membership.objects.select_related("user"), pk=pk))
    if membership.user_id == request.user.pk:
        return leave(request)
    try:
        people.remove_user(membership=membership, by=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("%(email)s is removed from the enterprise.") % {"email": membership.user.email})
    return redirect("submissions:people")


@login_required
@require_POST
def leave(request):
    """The user leaves its enterprise (unless it is the last administrator)."""
    membership = memberships.membership_of(request.user)
    if not is_enterprise_user(request.user) or membership is None:
        raise PermissionDenied
    try:
        people.remove_user(membership=membership, by=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("submissions:people")
    memberships.forget(request.user)
    messages.success(request, _("You left %(name)s.") % {"name": membership.enterprise.name})
    return redirect("public:home")


@login_required
@require_POST
def join_request_decide(request, pk):
    join_request = get_object_or_404(JoinRequest.objects.select_related("enterprise"), pk=pk)
    by_organiser = reviews_enterprise(request.user, join_request)
    if not by_organiser:
        _managed(request, join_request)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether to approve or decline the request."))
    else:
        approve = form.cleaned_data["decision"] == "approve"
        try:
            people.decide_join_request(request=join_request, by=request.user, approve=approve)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            text = (
                _("%(email)s may join; the link to activate the account is sent.")
                if approve
                else _("The request of %(email)s is declined.")
            )
            messages.success(request, text % {"email": join_request.email})
    if by_organiser:
        return redirect("submissions:enterprise_people", pk=join_request.enterprise_id)
    return redirect("submissions:people")


@login_required
def enterprise_people(request, pk):
    """An organiser's view of an enterprise's users, its pending join requests and its trail."""
    if not is_organiser(request.user):
        raise PermissionDenied
    enterprise = get_object_or_404(Enterprise.objects.reviewable_by(request.user), pk=pk)
    return render(
        request,
        "submissions/people/enterprise.html",
        {
            "enterprise": enterprise,
            "users": people.users_of(enterprise),
            "join_requests": _pending_requests(enterprise),
            "events": PeopleEvent.objects.filter(enterprise=enterprise).select_related("by")[:EVENTS_SHOWN],
        },
    )


def invitation_accept(request, token):
    """The invitation link: a page with a form (so that a mail scanner opening the link accepts nothing). A new
    address sets its name and password; an address with an account logs in and confirms."""
    invitation = people.invitation_of(token)
    problem = people.invitation_problem(invitation)
    if problem:
        return render(request, "submissions/people/invitation.html", {"problem": problem}, status=400)
    account = people.account_of(invitation)
    context = {"invitation": invitation, "account": account}
    form = None
    if account is None:
        if request.user.is_authenticated:
            context["wrong_account"] = True
        else:
            form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    elif not request.user.is_authenticated:
        context["log_in_first"] = True
    elif request.user.pk != account.pk:
        context["wrong_account"] = True
    context["form"] = form
    can_accept = not context.get("wrong_account") and not context.get("log_in_first")
    if request.method == "POST" and can_accept and (form is None or form.is_valid()):
        try:
            user = people.accept_invitation(
                invitation=invitation,
                user=account,
                full_name=form.cleaned_data["full_name"] if form else "",
                password=form.cleaned_data["password1"] if form else "",
            )
        except ValidationError as error:
            context["problem"] = _error_text(error)
            return render(request, "submissions/people/invitation.html", context, status=400)
        if account is None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        memberships.forget(request.user)
        messages.success(request, _("Welcome to %(name)s.") % {"name": invitation.enterprise.name})
        return redirect("submissions:dashboard")
    status = 400 if request.method == "POST" else 200
    return render(request, "submissions/people/invitation.html", context, status=status)
