"""Forms of an enterprise's users pages (submissions.people_views); kept apart from forms.py, which holds the
entries' forms."""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

User = get_user_model()


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's e-mail address"))

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class AcceptInvitationForm(forms.Form):
    """A new account's name and password, for the e-mail address the invitation was sent to."""

    full_name = forms.CharField(label=_("Your name"), max_length=100)
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput)

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            try:
                password_validation.validate_password(
                    p1, User(email=self.email, full_name=cleaned.get("full_name") or "")
                )
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("decline", _("Decline"))])


class RoleForm(forms.Form):
    is_administrator = forms.TypedChoiceField(
        choices=[("1", _("Make an administrator")), ("0", _("Remove the administrator role"))],
        coerce=lambda value: value == "1",
    )
