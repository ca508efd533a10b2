"""Free text, cleaned once at input: `clean_text()`.

Control characters (a bell typed into a title, a NUL pasted from another program) break every workbook the portal
writes (openpyxl refuses them), and invisible format characters (a zero-width space, a byte-order mark, a soft
hyphen, the bidi overrides that show "gpj.exe" as "exe.jpg") make two names that look the same differ, or one
name look like another.

Where it is applied, all registered in portal.apps:
- every form's text field (`clean_form_field_text` wraps forms.CharField.to_python): the form's own checks (required,
  max_length, unique names) see the cleaned text, so "甲\u200b" cannot pass as a second "甲". A field that keeps its
  spaces (strip=False: passwords) keeps its characters too;
- every spreadsheet cell an import reads (portal.spreadsheets.cell_text);
- every model's CharField and TextField before it is saved (`clean_model_text`, pre_save), for text that reaches a
  model through neither (a service, a command). bulk_create sends no signal: every bulk_create of text writes text
  that came through a form or a spreadsheet;
- exports: every string a workbook or CSV file is given (portal.spreadsheets.text_cell, csv_cell), so rows saved
  before this rule export too.
Rows saved before the rule are cleaned by `manage.py clean_text_fields` (`clean_stored_text`).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from django import forms
from django.apps import apps
from django.db import IntegrityError, models, transaction

# Characters dropped whatever their category says: the two non-characters XML 1.0 refuses.
NONCHARACTERS = {"\ufffe", "\uffff"}
# Models whose text Django itself writes (sessions, content types, permissions, the admin's log); and the password
# hash, which is no text a person typed.
SKIPPED_APPS = {"admin", "auth", "contenttypes", "sessions"}
SKIPPED_FIELDS = {"password"}


def _kept(char: str, *, multiline: bool) -> bool:
    if char in NONCHARACTERS:
        return False
    category = unicodedata.category(char)
    if category == "Cc":
        return multiline and char in "\n\t"
    # Cf: zero-width space/joiners, BOM, soft hyphen, bidi marks, embeddings, overrides and isolates; Cs: a lone
    # surrogate (no database or file encodes it).
    return category not in ("Cf", "Cs")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """`value` without control or invisible format characters, trimmed.

    One-line text (multiline=False, a title, a name): every line break and tab becomes a space. Multi-line text (a
    summary, a reason): line breaks of every kind (\\r\\n, \\r, U+2028...) become \\n, and tabs are kept."""
    if not value:
        return value
    if value.isprintable():
        # Nothing to drop or change: no control, format, surrogate, unassigned or separator character (str.
        # isprintable is false for each of them, and for any line break or tab). The common case, at C speed:
        # an award list of 20,000 rows passed every character of its 160,000 cells through _kept.
        return value.strip()
    lines = value.splitlines()
    text = "\n".join(lines) if multiline else " ".join(lines).replace("\t", " ")
    return "".join(char for char in text if _kept(char, multiline=multiline)).strip()


@cache
def _text_fields(model) -> list[tuple[str, bool]]:
    """(attribute name, multi-line) of the model's free-text columns."""
    if model._meta.app_label in SKIPPED_APPS:
        return []
    return [
        (field.attname, isinstance(field, models.TextField))
        for field in model._meta.concrete_fields
        if isinstance(field, (models.CharField, models.TextField)) and field.name not in SKIPPED_FIELDS
    ]


def clean_instances(instances: Iterable[models.Model]) -> None:
    """Clean every text field of these model instances in place."""
    for instance in instances:
        for name, multiline in _text_fields(type(instance)):
            value = getattr(instance, name)
            if isinstance(value, str):
                setattr(instance, name, clean_text(value, multiline=multiline))


def clean_model_text(sender, instance, raw=False, **kwargs) -> None:
    """pre_save: every CharField and TextField of the instance, cleaned. Rows loaded from a fixture or a backup
    (raw) are restored as they were."""
    if not raw:
        clean_instances([instance])


_form_to_python = forms.CharField.to_python


def clean_form_field_text(self, value):
    """forms.CharField.to_python, cleaned: multi-line for a field shown as a text area."""
    value = _form_to_python(self, value)
    if isinstance(value, str) and self.strip:
        value = clean_text(value, multiline=isinstance(self.widget, forms.Textarea))
    return value


@dataclass
class StoredTextReport:
    cleaned: Counter = field(default_factory=Counter)  # {"app.model": rows}
    left: list[tuple[str, object]] = field(default_factory=list)  # ("app.model", pk): its clean text is another's


def clean_stored_text(*, write: bool) -> StoredTextReport:
    """Find (and with `write`, clean) the rows whose text clean_text would change. A row whose cleaned text would
    equal another row's unique value ("甲\u200b" beside "甲") is left as it is, for a person to rename."""
    report = StoredTextReport()
    for model in apps.get_models():
        fields = _text_fields(model)
        if not fields:
            continue
        label = model._meta.label_lower
        dirty = []
        rows = model._base_manager.order_by("pk").values_list("pk", *(name for name, _m in fields))
        for pk, *values in rows.iterator(chunk_size=2000):
            changes = {}
            for (name, multiline), value in zip(fields, values, strict=True):
                if isinstance(value, str) and (clean := clean_text(value, multiline=multiline)) != value:
                    changes[name] = clean
            if changes:
                dirty.append((pk, changes))
        for pk, changes in dirty:
            if write:
                try:
                    with transaction.atomic():
                        model._base_manager.filter(pk=pk).update(**changes)
                except IntegrityError:
                    report.left.append((label, pk))
                    continue
            report.cleaned[label] += 1
    return report
