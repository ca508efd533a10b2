from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from submissions.models import Enterprise
from submissions.validators import normalise_credit_code

User = get_user_model()


class EnterpriseSignupForm(forms.ModelForm):
    full_name = forms.CharField(label=_("Your name"), max_length=100)
    email = forms.EmailField(label=_("Your e-mail address"), help_text=_("You log in with it."))
    phone = forms.CharField(label=_("Your phone"), max_length=30, required=False)
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput)

    class Meta:
        model = Enterprise
        fields = ["name", "credit_code", "province", "industry", "parent_group", "address"]

    def clean_credit_code(self):
        code = normalise_credit_code(self.cleaned_data["credit_code"])
        if Enterprise.objects.filter(credit_code=code).exists():
            raise forms.ValidationError(
                _("This enterprise is already registered. Ask its users to add you, or contact the organiser.")
            )
        return code

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this e-mail address already exists."))
        return email

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            probe = User(email=cleaned.get("email") or "", full_name=cleaned.get("full_name") or "")
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def enterprise_data(self):
        return {field: self.cleaned_data[field] for field in self._meta.fields}


class EnterpriseReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))], widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Please give the reason for rejecting the enterprise."))
        return cleaned
