"""The results browser's filters (web page and API): every filter travels in the URL (GET)."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.models import Category
from public.queries import SORTS, cached_facets
from submissions.models import Entry


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ResultFilterForm(forms.Form):
    """Every filter of the results browser; all of them travel in the URL (GET)."""

    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100, strip=True)
    edition = forms.TypedChoiceField(label=gettext_lazy("Edition"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=gettext_lazy("Kind of result"), required=False)
    category = forms.TypedChoiceField(label=gettext_lazy("Category"), required=False, coerce=int, empty_value=None)
    venue = forms.TypedChoiceField(label=gettext_lazy("Venue"), required=False, coerce=int, empty_value=None)
    grade = forms.ChoiceField(label=gettext_lazy("Grade"), required=False)
    province = forms.ChoiceField(label=gettext_lazy("Province"), required=False)
    topic_type = forms.ChoiceField(label=gettext_lazy("Topic type"), required=False)
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), required=False)

    def __init__(self, data, *, facets: dict):
        super().__init__(data)
        everything = [("", _("All"))]
        self.fields["edition"].choices = everything + facets["editions"]
        self.fields["kind"].choices = everything + list(Category.Kind.choices)
        self.fields["category"].choices = everything + facets["categories"]
        self.fields["venue"].choices = everything + facets["venues"]
        self.fields["grade"].choices = everything + [(g, g) for g in facets["grades"]]
        self.fields["province"].choices = everything + facets["provinces"]
        self.fields["topic_type"].choices = everything + list(Entry.TopicType.choices)
        self.fields["sort"].choices = list(SORTS.items())
        self.fields["q"].widget.attrs.update({"class": "form-control", "type": "search", "id": "results-q"})
        for name, field in self.fields.items():
            if name != "q":
                field.widget.attrs.update({"class": "form-select"})

    @classmethod
    def for_request(cls, query, association=None, *, searchable_only: bool = False):
        """The form of a results search in a scope: one association's rows, the searchable associations' or all."""
        edition_id = _int_or_none(query.get("edition"))
        return cls(query, facets=cached_facets(edition_id, association, searchable_only=searchable_only))

    def filters(self) -> dict:
        """The valid filters; an invalid one is ignored (and reported by the form)."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


class VerifyForm(forms.Form):
    """A certificate's verification code, as printed on it."""

    code = forms.CharField(
        label=gettext_lazy("Verification code"),
        max_length=30,
        strip=True,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off", "autocapitalize": "characters"}),
    )
