from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from portal import health, throttle
from portal.forms import EmailLoginForm, ProfileForm, QueuedPasswordResetForm
from portal.models import User


class LoginView(auth_views.LoginView):
    form_class = EmailLoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("portal:password_reset_done")
    form_class = QueuedPasswordResetForm

    def form_valid(self, form):
        address = throttle.client_address(self.request)
        if not throttle.allow(action="reset", email=form.cleaned_data["email"], address=address):
            form.add_error(None, throttle.refusal_message("reset"))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("portal:password_reset_complete")


class AcceptInvitationView(auth_views.PasswordResetConfirmView):
    """An invited person (a judge, a recommending unit's user) sets the account's password through the link of the
    invitation (Django's password-reset token: valid for PASSWORD_RESET_TIMEOUT, and spent once a password is set),
    is logged in and lands where the role's work is."""

    template_name = "registration/invitation_accept.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("portal:landing")

    def form_valid(self, form):
        messages.success(self.request, _("Welcome: your password is set and you are logged in."))
        return super().form_valid(form)


# Where each role's work is: a URL name of the app that owns it (portal names no app above it).
LANDINGS = {
    User.Role.ORGANISER: "events:todo",
    User.Role.JUDGE: "scoring:judge_today",
    User.Role.ENTERPRISE: "submissions:dashboard",
    User.Role.RECOMMENDER: "submissions:recommendation_upload",
}


@login_required
def landing(request):
    """After log-in: a judge to today's venue and sheets, an organiser to the to-do list, an enterprise to its
    entries, a recommending unit to its recommendation lists. A role whose page is not installed goes to the public
    home."""
    role = User.Role.ORGANISER if request.user.is_organiser else request.user.role
    try:
        return redirect(reverse(LANDINGS[role]))
    except (KeyError, NoReverseMatch):
        return redirect("public:home")


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("portal:profile")

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_inline(request):
    """Log in again without leaving the page (a judge's sheet whose session ended): JSON for a script.

    GET answers whether the browser is logged in, with a fresh CSRF token (a page whose token went stale asks
    here). POST checks the e-mail and password with the log-in page's form, so the same throttle counts the
    attempt (portal/throttle.py), and answers the new CSRF token: logging in replaces it."""
    if request.method == "POST":
        form = EmailLoginForm(request, data=request.POST)
        if not form.is_valid():
            errors = [str(message) for messages_ in form.errors.values() for message in messages_]
            return JsonResponse({"ok": False, "errors": errors}, status=400)
        auth_login(request, form.get_user())
    user = request.user
    return JsonResponse(
        {
            "ok": True,
            "authenticated": user.is_authenticated,
            "user": user.pk if user.is_authenticated else None,
            "csrf": get_token(request),
        }
    )


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile has been saved."))
        return redirect("portal:profile")
    return render(request, "portal/profile.html", {"form": form})


@never_cache
@require_GET
def healthz(request):
    """For the load balancer: 200 when the database, the cache and a configured broker answer, 503 otherwise.

    GET only, so the CSRF check never applies (and no view is exempt from it)."""
    state, healthy = health.report()
    return JsonResponse(state, status=200 if healthy else 503)
