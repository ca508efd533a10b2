from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from events.models import Category, Edition
from portal import spreadsheets
from submissions import services
from submissions.models import Enterprise, Entry, EntryFile, Member, Province, RecommendingUnit
from submissions.validators import normalise_credit_code

User = get_user_model()


class EnterpriseSignupForm(forms.ModelForm):
    full_name = forms.CharField(label=_("Your name"), max_length=100)
    email = forms.EmailField(label=_("Your e-mail address"), help_text=_("You log in with it."))
    phone = forms.CharField(label=_("Your phone"), max_length=30, required=False)
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput)

    editions = forms.ModelMultipleChoiceField(
        label=_("Editions you take part in"),
        queryset=Edition.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Their organisers review your enterprise."),
    )

    class Meta:
        model = Enterprise
        fields = ["name", "credit_code", "province", "industry", "parent_group", "address"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["editions"].queryset = Edition.objects.filter(status=Edition.Status.OPEN).order_by("-year")
        if not self.fields["editions"].queryset.exists():
            del self.fields["editions"]  # with no edition open, staff review the enterprise

    # Whether the e-mail or the credit code is already used is never said here: the answer to a sign-up is the same
    # either way (services.register_enterprise).
    def clean_credit_code(self):
        return normalise_credit_code(self.cleaned_data["credit_code"])

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def validate_unique(self):
        pass

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

    def chosen_editions(self):
        return list(self.cleaned_data.get("editions") or [])


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


# --- entries -------------------------------------------------------------------------------------


class EntryForm(forms.ModelForm):
    """The entry's own fields; which ones depends on the kind of its category."""

    class Meta:
        model = Entry
        fields = services.ENTRY_FIELDS
        widgets = {
            "activity_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "activity_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "completing_units": forms.Textarea(attrs={"rows": 2}),
            "summary": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, category, **kwargs):
        super().__init__(*args, **kwargs)
        self.category = category
        wanted = services.entry_fields(category.kind)
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        self.order_fields(wanted)
        if category.kind == Category.Kind.QC:
            self.fields["group_name"].label = _("QC group name")
            self.fields["topic_type"].required = True
            self.fields["sub_type"].help_text = _("For problem-solving topics only.")
        elif category.kind == Category.Kind.TRUSTED_TEAM:
            self.fields["group_name"].label = _("Team name")
            self.fields["group_name"].required = True
        elif category.kind == Category.Kind.BRAND_STORY:
            self.fields["presenter"].label = _("Speaker")
            self.fields["presenter"].required = True
        if "presenter" in self.fields and category.kind != Category.Kind.BRAND_STORY:
            self.fields["presenter"].label = _("Presenter")
        if "recommending_unit" in self.fields:
            units = RecommendingUnit.objects.filter(association=category.edition.association_id)
            self.fields["recommending_unit"].queryset = units.order_by("name")

    def clean_title(self):
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError(_("Please give the title."))
        return title

    def clean(self):
        cleaned = super().clean()
        if "topic_type" in self.fields:
            if cleaned.get("topic_type") == Entry.TopicType.PROBLEM_SOLVING and not cleaned.get("sub_type"):
                self.add_error("sub_type", _("Choose the sub-type of a problem-solving topic."))
            if cleaned.get("topic_type") == Entry.TopicType.INNOVATION:
                cleaned["sub_type"] = ""
        start, end = cleaned.get("activity_start"), cleaned.get("activity_end")
        if start and end and end < start:
            self.add_error("activity_end", _("The activity cannot end before it starts."))
        return cleaned

    def validate_unique(self):
        # Edition and enterprise are set by the service, which checks the natural key itself.
        pass

    def entry_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = ["name", "group_role", "post", "is_leader"]


class BaseMemberFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        error = services.leader_error(member["is_leader"] for member in self.members())
        if error:
            raise forms.ValidationError(error)

    def members(self) -> list[dict]:
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or not (data.get("name") or "").strip():
                continue
            rows.append({key: data.get(key) for key in ("name", "group_role", "post", "is_leader")})
        return rows


MemberFormSet = forms.inlineformset_factory(
    Entry,
    Member,
    form=MemberForm,
    formset=BaseMemberFormSet,
    extra=3,
    can_delete=True,
    max_num=50,
    validate_max=True,
)


class FileUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EntryFile.Kind.choices, widget=forms.HiddenInput)
    file = forms.FileField(label=_("File"), max_length=None, allow_empty_file=True)


class FileRemoveForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EntryFile.Kind.choices, widget=forms.HiddenInput)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("accept", _("Accept (参评)")),
            ("return", _("Return for revision (完善后参评)")),
            ("reject", _("Reject (不评)")),
            ("defer", _("Defer to next year (缓评)")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reasons"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the entry is returned, rejected or deferred; the enterprise reads them."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") in ("return", "reject", "defer") and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Please give the reasons, so the enterprise knows what to do."))
        return cleaned


class ReopenReviewForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the decision is revised"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The enterprise reads it; the entry's history keeps it."),
    )


class EntryFilterForm(forms.Form):
    edition = forms.ModelChoiceField(label=_("Edition"), queryset=Edition.objects.none(), required=False)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none(), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    province = forms.ChoiceField(label=_("Province"), required=False)
    recommending_unit = forms.ModelChoiceField(
        label=_("Recommending unit"), queryset=RecommendingUnit.objects.none(), required=False
    )
    topic_type = forms.ChoiceField(label=_("Topic type"), required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, *args, editions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["edition"].queryset = editions
        units = RecommendingUnit.objects.filter(association__in=editions.values("association"))
        self.fields["recommending_unit"].queryset = units.order_by("name")
        self.fields["category"].queryset = Category.objects.filter(edition__in=editions).select_related("edition")
        self.fields["category"].label_from_instance = lambda category: f"{category.edition.year} · {category.name}"
        blank = [("", _("All"))]
        self.fields["status"].choices = blank + list(Entry.Status.choices)
        self.fields["province"].choices = blank + list(Province.choices)
        self.fields["topic_type"].choices = blank + list(Entry.TopicType.choices)

    def filter(self, entries):
        if not self.is_valid():
            return entries
        data = self.cleaned_data
        for field in ("edition", "category", "status", "recommending_unit", "topic_type"):
            if data.get(field):
                entries = entries.filter(**{field: data[field]})
        if data.get("province"):
            entries = entries.filter(enterprise__province=data["province"])
        if data.get("q"):
            text = data["q"].strip()
            entries = entries.filter(
                Q(title__icontains=text) | Q(code__icontains=text) | Q(enterprise__name__icontains=text)
            )
        return entries


class RecommendationUploadForm(forms.Form):
    edition = forms.ModelChoiceField(label=_("Edition"), queryset=Edition.objects.none())
    file = forms.FileField(label=_("Recommendation list (.xlsx or CSV)"))

    def __init__(self, *args, editions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["edition"].queryset = editions
        if editions.count() == 1:
            self.fields["edition"].initial = editions.first()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        spreadsheets.file_kind(upload)  # .xlsx or CSV; any other file is told what it is and how to save it
        return upload


class RecommendationConfirmForm(forms.Form):
    """The second step of the import: the checked file (named by its token) is imported into the edition."""

    edition = forms.ModelChoiceField(queryset=Edition.objects.none(), widget=forms.HiddenInput)
    token = forms.CharField(widget=forms.HiddenInput, max_length=2000)
    valid_rows_only = forms.BooleanField(
        label=_("Import only the valid rows"),
        required=False,
        help_text=_("Without this, nothing is imported while any row has a mistake."),
    )

    def __init__(self, *args, editions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["edition"].queryset = editions


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the entry is withdrawn"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "The organisers read it; the entry's history keeps it. A withdrawn entry cannot be submitted again."
        ),
    )


class DeadlineExtensionForm(forms.Form):
    edition = forms.ModelChoiceField(label=_("Edition"), queryset=Edition.objects.none())
    until = forms.DateTimeField(
        label=_("Extended until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The enterprise is told by e-mail; the audit trail keeps it."),
    )

    def __init__(self, *args, editions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["edition"].queryset = editions


class UnitUserForm(forms.Form):
    """A recommending unit's user, added by an organiser (submissions.units.add_unit_user)."""

    unit_name = forms.CharField(label=_("Recommending unit"), max_length=200)
    full_name = forms.CharField(label=_("Name"), max_length=100)
    email = forms.EmailField(label=_("E-mail"))
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)


class UnitInviteForm(forms.Form):
    users = forms.ModelMultipleChoiceField(label=_("Users"), queryset=User.objects.none())

    def __init__(self, *args, association, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = User.objects.filter(
            role="recommender", is_active=True, membership__recommending_unit__association=association
        )


class UnitImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file (.xlsx) or CSV"), help_text=_("Columns: 推荐单位, 姓名, 电子邮箱 (required), 手机.")
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        spreadsheets.check_upload_size(upload)
        spreadsheets.file_kind(upload)  # .xlsx or CSV; any other file is told what it is and how to save it
        return upload
