from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from events.builtins import CATEGORY_TEMPLATES, RUBRIC_TEMPLATES
from events.models import (
    Announcement,
    Association,
    AssociationMember,
    Category,
    Edition,
    GradeRule,
    Rubric,
    TopicType,
    Venue,
)
from portal import images

User = get_user_model()

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class EditionForm(forms.ModelForm):
    class Meta:
        model = Edition
        fields = [
            "name",
            "number",
            "year",
            "city",
            "starts_on",
            "ends_on",
            "hosts",
            "submissions_open_at",
            "submission_deadline",
            "notice",
        ]
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            "submissions_open_at": DATETIME,
            "submission_deadline": DATETIME,
            "hosts": forms.Textarea(attrs={"rows": 3}),
            "notice": forms.Textarea(attrs={"rows": 5}),
        }

    def clean(self):
        data = super().clean()
        opens, deadline = data.get("submissions_open_at"), data.get("submission_deadline")
        if opens and deadline and deadline <= opens:
            self.add_error("submission_deadline", _("The submission deadline must come after the opening."))
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The last day cannot come before the first day."))
        return data


def team_of(association):
    """The active organisers on the association's team: whom its editions' teams are chosen from."""
    return User.objects.filter(
        role=User.Role.ORGANISER, is_active=True, association_roles__association=association
    ).order_by("full_name", "email")


class EditionEditForm(EditionForm):
    organisers = forms.ModelMultipleChoiceField(
        label=_("Organisers"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only they (and administrators) can change this edition."),
    )

    class Meta(EditionForm.Meta):
        fields = [*EditionForm.Meta.fields, "organisers"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisers"].queryset = team_of(self.instance.association)
        self.fields["organisers"].label_from_instance = lambda user: f"{user.get_full_name()} <{user.email}>"


class EditionCreateForm(EditionForm):
    """A new edition of one of the associations the organiser works for (chosen only when there are several)."""

    association = forms.ModelChoiceField(label=_("Association"), queryset=Association.objects.none(), empty_label=None)
    categories = forms.MultipleChoiceField(
        label=_("Start with the standard categories"),
        help_text=_("Each comes with its built-in rubrics and a benchmark grade, which you can then edit."),
        choices=[(key, template["label"]) for key, template in CATEGORY_TEMPLATES.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=list(CATEGORY_TEMPLATES),
    )

    class Meta(EditionForm.Meta):
        fields = ["association", *EditionForm.Meta.fields]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        associations = Association.objects.of(user).order_by("name")
        self.fields["association"].queryset = associations
        if len(associations) == 1:  # nothing to choose: the edition is of the organiser's association
            del self.fields["association"]
            self.instance.association = associations[0]


class EditionCopyForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("edition, rubric", "Name"), max_length=200)
    number = forms.IntegerField(label=_("Number"), min_value=1, help_text=_("The 40 in 第40次."))
    year = forms.IntegerField(label=_("Year"), min_value=1978, max_value=2200)
    include_panels = forms.BooleanField(
        label=_("Copy the panels too"),
        required=False,
        help_text=_("Otherwise the venues are copied without judges."),
    )

    def __init__(self, *args, association=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.association = association

    def clean(self):
        data = super().clean()
        same = Edition.objects.filter(association=self.association, name=data.get("name"), year=data.get("year"))
        if data.get("name") and data.get("year") and same.exists():
            raise forms.ValidationError(_("There is already an edition of that name in %(year)s.") % data)
        return data


class StatusForm(forms.Form):
    to = forms.ChoiceField(choices=Edition.Status.choices)


# --- rubrics ---------------------------------------------------------------------------------------


class RubricTemplateForm(forms.Form):
    template = forms.ChoiceField(
        label=_("Built-in template"),
        choices=[(key, template["label"]) for key, template in RUBRIC_TEMPLATES.items()],
    )
    name = forms.CharField(
        label=pgettext_lazy("edition, rubric", "Name"),
        max_length=200,
        required=False,
        help_text=_("Empty: the template's name."),
    )


class RubricForm(forms.ModelForm):
    class Meta:
        model = Rubric
        fields = ["name", "kind", "standard", "total", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, locked=False, **kwargs):
        super().__init__(*args, **kwargs)
        if locked:
            self.fields["total"].disabled = True


class RowForm(forms.Form):
    """A row of a table of forms: small Bootstrap inputs without labels."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            widget.attrs.setdefault("class", css)
            widget.attrs.setdefault("aria-label", str(field.label or name))


class CriterionForm(RowForm):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    position = forms.IntegerField(label=_("position"), min_value=1, max_value=99)
    name = forms.CharField(label=_("name"), max_length=100)
    description = forms.CharField(label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 1}))
    max_points = forms.DecimalField(label=_("maximum points"), max_digits=4, decimal_places=1, min_value=Decimal("0.5"))
    breaks_ties = forms.BooleanField(label=_("breaks ties"), required=False)


class BaseRowsFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs.update({"class": "form-check-input", "aria-label": str(_("Delete"))})

    def rows(self) -> list[dict]:
        """Cleaned rows: the existing ones and the filled-in extra ones, without those marked for deletion."""
        rows = []
        for index, form in enumerate(self.forms):
            if index >= self.initial_form_count() and not form.has_changed():
                continue
            if self._should_delete_form(form):
                continue
            rows.append({key: value for key, value in form.cleaned_data.items() if key != "DELETE"})
        return rows


CriterionFormSet = forms.formset_factory(
    CriterionForm, formset=BaseRowsFormSet, extra=2, can_delete=True, max_num=40, validate_max=True
)


def criterion_initial(rubric) -> list[dict]:
    return [
        {
            "id": c.pk,
            "position": c.position,
            "name": c.name,
            "description": c.description,
            "max_points": c.max_points,
            "breaks_ties": c.breaks_ties,
        }
        for c in rubric.criteria.all()
    ]


# --- categories ------------------------------------------------------------------------------------


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = [
            "kind",
            "name",
            "code",
            "position",
            "requires_report",
            "requires_slides",
            "requires_report_form",
            "requires_video",
            "quota_per_enterprise",
            "rubric",
            "innovation_rubric",
            "aggregation",
            "min_sheets",
            "ranking_scope",
            "published_entries",
            "publish_protocol",
            "share_comments",
        ]
        labels = {"kind": _("Entry form")}
        help_texts = {
            "kind": _("Decides which fields the entry form asks for."),
            "quota_per_enterprise": _("Empty: no limit."),
        }

    change_reason = forms.CharField(
        label=_("Reason for changing the rules"),
        required=False,
        max_length=1000,
        help_text=_("Kept in the edition's audit; required once the category's results are computed."),
    )

    confirm_rubric_switch = forms.BooleanField(
        label=_("Switch the rubric even though sheets were scored on the current one"),
        required=False,
        help_text=_("Those sheets no longer count in the results. Give the reason above; both are kept in the audit."),
    )

    def __init__(self, *args, edition, **kwargs):
        super().__init__(*args, **kwargs)
        rubrics = Rubric.objects.filter(edition=edition).order_by("name")
        self.fields["rubric"].queryset = rubrics
        self.fields["innovation_rubric"].queryset = rubrics
        self.fields["min_sheets"].min_value = 1


class GradeForm(RowForm):
    position = forms.IntegerField(label=_("position"), min_value=1, max_value=20)
    name = forms.CharField(label=_("name"), max_length=50)
    rule = forms.ChoiceField(label=_("rule"), choices=GradeRule.Rule.choices, initial=GradeRule.Rule.SHARE)
    value = forms.DecimalField(label=_("value"), max_digits=8, decimal_places=4)
    floor = forms.DecimalField(label=_("minimum score"), max_digits=5, decimal_places=2, required=False)


GradeFormSet = forms.formset_factory(
    GradeForm, formset=BaseRowsFormSet, extra=2, can_delete=True, max_num=20, validate_max=True
)


def grade_initial(category) -> list[dict]:
    return [
        {"position": g.position, "name": g.name, "rule": g.rule, "value": g.value.normalize(), "floor": g.floor}
        for g in category.grade_rules.all()
    ]


# --- venues and panels -----------------------------------------------------------------------------


class VenueForm(forms.ModelForm):
    topic_type = forms.ChoiceField(
        label=_("Topic type"),
        choices=[("", _("Any"))] + list(TopicType.choices),
        required=False,
        help_text=_("Optional: the QC topic type this venue hears, to keep one type together."),
    )

    class Meta:
        model = Venue
        fields = [
            "category",
            "name",
            "room",
            "date",
            "start_time",
            "end_time",
            "planned_entries",
            "minutes_per_entry",
            "minutes_for_comments",
            "topic_type",
        ]
        widgets = {"date": DATE, "start_time": TIME, "end_time": TIME}

    def __init__(self, *args, edition, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = edition.categories.order_by("position", "pk")

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("The venue must end after it starts."))
        return data


class JudgeChoiceField(forms.ModelMultipleChoiceField):
    busy: dict[int, list[str]] = {}

    def label_from_instance(self, obj):
        label = f"{obj.get_full_name()} · {obj.organisation}" if obj.organisation else obj.get_full_name()
        if obj.pk in self.busy:
            label += " — " + _("at this time on %(venues)s") % {"venues": ", ".join(self.busy[obj.pk])}
        return label


class PanelForm(forms.Form):
    judges = JudgeChoiceField(
        label=_("Judges"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple, required=False
    )
    leader = forms.ModelChoiceField(label=_("Panel leader"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, association, busy=None, **kwargs):
        super().__init__(*args, **kwargs)
        judges = association.judges.filter(role=User.Role.JUDGE, is_active=True).order_by("full_name", "email")
        self.fields["judges"].queryset = judges
        self.fields["judges"].busy = busy or {}
        self.fields["leader"].queryset = judges
        self.fields["leader"].label_from_instance = lambda obj: obj.get_full_name()

    def clean(self):
        data = super().clean()
        leader, judges = data.get("leader"), data.get("judges")
        if leader is not None and judges is not None and leader not in judges:
            self.add_error("leader", _("The panel leader must be one of the panel's judges."))
        return data


class OrganiserForm(forms.Form):
    """Add a colleague to an edition's organisers, or take one off."""

    action = forms.ChoiceField(choices=[("add", _("Add")), ("remove", _("Remove"))], widget=forms.HiddenInput)
    user = forms.ModelChoiceField(label=_("Colleague"), queryset=User.objects.none())

    def __init__(self, *args, association, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = team_of(association)
        self.fields["user"].label_from_instance = lambda user: f"{user.get_full_name()} <{user.email}>"


# --- announcements ---------------------------------------------------------------------------------


class AnnouncementForm(forms.Form):
    audience = forms.ChoiceField(
        label=_("To"), choices=Announcement.Audience.choices, widget=forms.RadioSelect, initial="enterprises"
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Text"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))


# --- associations ---------------------------------------------------------------------------------------------


class AssociationForm(forms.ModelForm):
    """An association's settings; the logo is checked to be a PNG or JPEG picture (portal.images)."""

    logo_file = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("A PNG or JPEG picture, shown on the association's public pages."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    class Meta:
        model = Association
        fields = [
            "name",
            "short_name",
            "slug",
            "contact_name",
            "contact_phone",
            "contact_email",
            "address",
            "searchable",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.logo:
            del self.fields["remove_logo"]

    def clean_slug(self):
        return self.cleaned_data["slug"].lower()

    def clean_logo_file(self):
        upload = self.cleaned_data.get("logo_file")
        if upload:
            images.check_image(upload)
        return upload


class AssociationCreateForm(AssociationForm):
    """A new association and its first administrator: an organiser's account found by e-mail address, or a new one
    that is invited to set its password."""

    administrator_email = forms.EmailField(label=_("Administrator's e-mail address"))
    administrator_name = forms.CharField(
        label=_("Administrator's name"),
        max_length=100,
        required=False,
        help_text=_("Needed only when there is no account with that address yet: one is made and invited."),
    )


class MemberAddForm(forms.Form):
    """An organiser put on an association's team by e-mail address."""

    email = forms.EmailField(label=_("E-mail address"))
    full_name = forms.CharField(
        label=_("Name"),
        max_length=100,
        required=False,
        help_text=_("Needed only when there is no account with that address yet: one is made and invited."),
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=AssociationMember.Role.choices, initial=AssociationMember.Role.ORGANISER
    )


class MemberChangeForm(forms.Form):
    action = forms.ChoiceField(choices=[("role", _("Change the role")), ("remove", _("Remove"))])
    role = forms.ChoiceField(label=_("Role"), choices=AssociationMember.Role.choices, required=False)
