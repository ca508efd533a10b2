from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from events.models import Venue
from portal import spreadsheets
from scoring.paper_sheets import code_key, entries_by_code
from scoring.sheets import COMMENT_MAX_LENGTH, clean_comment


class ScoreSheetForm(forms.Form):
    """One field per rubric criterion (typed text: the service checks it and says what is wrong), a comment
    and the sheet's version, so a stale tab cannot overwrite a newer save."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX_LENGTH}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, sheet, **kwargs):
        self.sheet = sheet
        self.criteria = list(sheet.rubric.criteria.order_by("position"))  # Criterion's order within its rubric
        initial = kwargs.setdefault("initial", {})
        # A sheet not yet written (shown on the first visit) has no points.
        scores = {score.criterion_id: score.points for score in sheet.scores.order_by()} if sheet.pk else {}
        initial.setdefault("comment", sheet.comment)
        initial.setdefault("version", sheet.version)
        super().__init__(*args, **kwargs)
        for criterion in self.criteria:
            name = self.field_name(criterion)
            self.fields[name] = forms.CharField(
                label=criterion.name,
                required=False,
                max_length=10,
                widget=forms.TextInput(
                    attrs={
                        "inputmode": "decimal",
                        "autocomplete": "off",
                        "class": "form-control form-control-lg score-input",
                        "data-max": str(criterion.max_points),
                        "data-criterion": str(criterion.pk),
                    }
                ),
            )
            if criterion.pk in scores:
                self.initial[name] = scores[criterion.pk]
        self.order_fields([self.field_name(c) for c in self.criteria] + ["comment", "version"])

    def clean_comment(self):
        return clean_comment(self.cleaned_data["comment"])  # refused above COMMENT_MAX_LENGTH, saying the limit

    @staticmethod
    def field_name(criterion):
        return f"c{criterion.pk}"

    def rows(self):
        return [(criterion, self[self.field_name(criterion)]) for criterion in self.criteria]

    def raw_points(self):
        return {c.pk: self.data.get(self.field_name(c), "") for c in self.criteria}

    def add_service_error(self, error: ValidationError):
        """Show a service's error: per-criterion messages beside their field, the rest above the form."""
        if hasattr(error, "error_dict"):
            for key, errors in error.message_dict.items():
                name = key if key == "comment" else f"c{key}"
                for message in errors:
                    self.add_error(name if name in self.fields else None, message)
        else:
            for message in error.messages:
                self.add_error(None, message)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Please give the reason."))
        return reason


class DeclareRecusalForm(forms.Form):
    """An organiser recuses a judge of the edition's panels from an entry, named by its code, with the reason."""

    judge = forms.ModelChoiceField(label=_("Judge"), queryset=get_user_model().objects.none())
    entry = forms.CharField(label=_("Entry code"), max_length=30)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, edition, **kwargs):
        super().__init__(*args, **kwargs)
        self.edition = edition
        self.fields["judge"].queryset = (
            get_user_model().objects.filter(panel_seats__venue__edition=edition).distinct().order_by("full_name", "pk")
        )
        self.fields["judge"].label_from_instance = lambda user: f"{user.get_full_name()} <{user.email}>"

    def clean_entry(self):
        code = self.cleaned_data["entry"]
        entry = entries_by_code(edition=self.edition, codes=[code]).get(code_key(code))
        if entry is None:
            raise ValidationError(_("No entry of this edition has the code “%(code)s”.") % {"code": code})
        return entry

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Please give the reason."))
        return reason


class AssignForm(forms.Form):
    reassign = forms.BooleanField(
        label=_("Also redistribute entries of venues where judging has not started"), required=False
    )


class MoveForm(forms.Form):
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none())

    def __init__(self, *args, category, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = Venue.objects.filter(category=category, signed_off_at__isnull=True)


class DrawForm(forms.Form):
    seed = forms.CharField(
        label=_("Seed"),
        required=False,
        max_length=64,
        help_text=_("Leave empty to draw a new random seed; enter a recorded seed to reproduce its draw."),
    )


class PaperSheetImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file (.xlsx) or CSV"),
        help_text=_("Columns: 分会场, 成果编号, 评委 (e-mail), one column per rubric criterion, 备注."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise ValidationError(_("The file is larger than 5 MB."))
        spreadsheets.file_kind(upload)  # .xlsx or CSV; any other file is told what it is and how to save it
        return upload


class PaperSheetConfirmForm(forms.Form):
    """The second step of the import: the checked file, named by its token, is written."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=2000)


class JudgeForm(forms.Form):
    """One judge, added by an organiser (scoring.people.add_judge checks and writes it)."""

    full_name = forms.CharField(label=_("Name"), max_length=100)
    email = forms.EmailField(label=_("E-mail"), help_text=_("The judge logs in with it; the invitation goes there."))
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    organisation = forms.CharField(label=_("Employer"), max_length=200, required=False)
    credit_code = forms.CharField(
        label=_("Employer's unified social credit code"),
        max_length=30,
        required=False,
        help_text=_("Where known: recusals match on it."),
    )
    title = forms.CharField(label=_("Title or post"), max_length=100, required=False)
    speciality = forms.CharField(label=_("Speciality"), max_length=200, required=False)


class JudgeImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file (.xlsx) or CSV"),
        help_text=_("Columns: 姓名, 电子邮箱 (required), 手机, 工作单位, 统一社会信用代码, 职称或职务, 专业特长."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        spreadsheets.check_upload_size(upload)
        spreadsheets.file_kind(upload)  # .xlsx or CSV; any other file is told what it is and how to save it
        return upload


class InviteForm(forms.Form):
    """The judges to invite (those not accepted yet are sent the link)."""

    judges = forms.ModelMultipleChoiceField(label=_("Judges"), queryset=get_user_model().objects.none())

    def __init__(self, *args, association, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["judges"].queryset = association.judges.filter(role="judge", is_active=True)


class DeclarationForm(forms.Form):
    conflicts = forms.CharField(
        label=_("Conflicts of interest I declare"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example an entrant you worked for or with in the last three years. Leave empty if none."),
    )
    confirm = forms.BooleanField(
        label=_(
            "I have no conflict of interest with the entries I score beyond those declared above, and I keep the "
            "entries' reports, the scores and the deliberations confidential."
        ),
        required=True,
    )
