from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from portal import throttle
from portal.mail import queue_rendered


class EmailLoginForm(AuthenticationForm):
    username = forms.EmailField(label=_("E-mail address"), widget=forms.EmailInput(attrs={"autofocus": True}))

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The e-mail address or the password is wrong. Both are case-sensitive."),
        "locked": ngettext_lazy(
            "Too many failed log-ins. Please wait %(minutes)d minute or reset your password.",
            "Too many failed log-ins. Please wait %(minutes)d minutes or reset your password.",
            "minutes",
        ),
    }

    def clean(self):
        email = (self.cleaned_data.get("username") or "").strip()
        if not email or not self.cleaned_data.get("password"):
            return super().clean()
        address = throttle.client_address(self.request) if self.request else ""
        # The attempt is counted before the password is checked (portal/throttle.py): parallel guesses cannot
        # all pass the check before any of them is counted.
        reservation = throttle.reserve(email=email, address=address)
        if reservation is None:
            raise forms.ValidationError(
                self.error_messages["locked"], code="locked", params={"minutes": throttle.lockout_minutes()}
            )
        cleaned = super().clean()  # a wrong password raises, and the reserved attempt stays counted
        reservation.succeeded()
        return cleaned


class AdminLoginForm(EmailLoginForm, AdminAuthenticationForm):
    """The admin's log-in: staff only, and counted by the same throttle as the portal's log-in page (without
    it, /admin/login/ let anyone guess an organiser's password without limit)."""


class ProfileForm(forms.ModelForm):
    class Meta:
        model = get_user_model()
        fields = ["full_name", "phone", "title"]


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's password reset (the same answer whether or not an account uses the address), with the e-mail
    queued instead of sent during the request: a known address then takes no longer to answer than an unknown one."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        subject = loader.render_to_string(subject_template_name, context)
        body = loader.render_to_string(email_template_name, context)
        queue_rendered(to=[to_email], subject=subject, body=body)
