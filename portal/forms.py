from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from portal import throttle


class EmailLoginForm(AuthenticationForm):
    username = forms.EmailField(label=_("E-mail address"), widget=forms.EmailInput(attrs={"autofocus": True}))

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The e-mail address or the password is wrong. Both are case-sensitive."),
        "locked": _("Too many failed log-ins. Please wait 15 minutes or reset your password."),
    }

    def clean(self):
        email = (self.cleaned_data.get("username") or "").strip().lower()
        address = throttle.client_address(self.request) if self.request else ""
        if throttle.is_locked(email=email, address=address):
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.record_failure(email=email, address=address)
            raise
        throttle.clear(email=email)
        return cleaned


class AdminLoginForm(EmailLoginForm, AdminAuthenticationForm):
    """The admin's log-in: staff only, and counted by the same throttle as the portal's log-in page (without
    it, /admin/login/ let anyone guess an organiser's password without limit)."""


class ProfileForm(forms.ModelForm):
    class Meta:
        model = get_user_model()
        fields = ["full_name", "phone", "title"]
