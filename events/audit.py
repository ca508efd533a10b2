"""The audit trail of an edition's results, grade and scoring rules and publications: `record()` writes one
event. The organiser's audit page merges these events with the other trails (results.audit)."""

import re
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from events.models import AuditEvent, Category, GradeRule, grade_value_text

Action = AuditEvent.Action


def record(*, edition, user=None, action: str, target: str = "", old=None, new=None, reason: str = "") -> AuditEvent:
    """Write one audit event. `user` may be None for the system (e.g. a run started by a venue's sign-off)."""
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    return AuditEvent.objects.create(
        edition_id=edition.pk if hasattr(edition, "pk") else edition,
        user=user,
        action=action,
        target=target[:200],
        old_values=old or {},
        new_values=new or {},
        reason=(reason or "").strip(),
    )


# --- the trail in words -------------------------------------------------------------------------------------------

# Keys of the stored values that mean nothing to a reader (a hash of the computation's inputs): left out.
# Technical keys kept for the record but not shown: a fingerprint, and the ids of a user or an enterprise (the
# event's target names them).
HIDDEN_KEYS = {"fingerprint", "user", "enterprise"}

# A grade rule as _scoring_rules (events.services) stores it: "1. share 0.15 ≥ 80".
GRADE_RULE = re.compile(r"^(?P<position>\d+)\. (?P<rule>[a-z_]+) (?P<value>[-0-9.]+)(?: ≥ (?P<floor>[-0-9.]+))?$")


def _flatten(values, prefix="") -> dict[str, str]:
    flat = {}
    for key, value in (values or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, prefix=f"{name}."))
        elif isinstance(value, list):
            flat[name] = "; ".join(str(item) for item in value)
        else:
            flat[name] = "" if value is None else str(value)
    return flat


def _moment(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "Y-m-d H:i")


def _grade_rule(value: str) -> str:
    """A stored grade rule in words: "1. share 0.15 ≥ 80" → "1. Share of ranked entries 15%, final score at least
    80"."""
    match = GRADE_RULE.match(value)
    if not match:
        return value
    rule = match["rule"]
    label = str(dict(GradeRule.Rule.choices).get(rule, rule))
    amount = grade_value_text(rule, match["value"])
    said = _("%(position)s. %(rule)s %(value)s") % {"position": match["position"], "rule": label, "value": amount}
    if match["floor"]:
        said += _(", final score at least %(floor)s") % {"floor": match["floor"]}
    return said


def _yes_no(value: str) -> str:
    return _("yes") if value == "True" else _("no")


def _labels(statuses: dict) -> dict:
    """The stored values' keys in words, and how to say each one's values (a dict of labels, a function, or None:
    as stored)."""
    return {
        "status": (_("Status"), statuses),
        "comment": (_("Comment"), None),
        "signed_off_at": (_("Signed off at"), _moment),
        "signed_off_by": (_("Signed off by"), None),
        "aggregation": (_("Aggregation"), dict(Category.Aggregation.choices)),
        "min_sheets": (_("Minimum sheets"), None),
        "ranking_scope": (_("Ranking scope"), dict(Category.Scope.choices)),
        "version": (_("Version"), None),
        "run": (_("Computation run"), None),
        "entries": (_("Entries"), None),
        "new results": (_("New results"), None),
        "error": (_("Error"), None),
        "…": (_("More changed entries"), None),
        "rubric": (_("Rubric"), None),
        "innovation_rubric": (_("Rubric for innovation results"), None),
        "excluded_sheets": (_("Score sheets left out"), None),
        "source": (_("Source"), None),
        "recusal_reason": (_("Reason for the recusal"), None),
        "email": (_("E-mail"), None),
        "until": (_("Submission deadline"), _moment),
        "document_number": (_("Document number"), None),
        "document_date": (_("Document date"), None),
        "heading": (_("Heading"), None),
        "wording": (_("Wording"), None),
        "member_wording": (_("Wording of a member's certificate"), None),
        "issuing_body": (_("Issuing body"), None),
        "issued_on": (_("Date printed"), None),
        "number_pattern": (_("Certificate number scheme"), None),
        "per_member": (_("A certificate for each group member too"), _yes_no),
        "background": (_("Background image"), _yes_no),
        "seal": (_("Seal or signature image"), _yes_no),
    }


def _label(key: str, labels: dict):
    """(the key in words, how to say its values) for a stored key such as "status", "points.选题" or
    "grades.一等奖"; any other key (an entry's code, a category's name, "category.grade") is already words."""
    if key in labels:
        return labels[key]
    group, _dot, name = key.partition(".")
    if group == "points" and name:
        return _("%(criterion)s points") % {"criterion": name}, None
    if group == "grades" and name:
        return _("Grade %(grade)s") % {"grade": name}, _grade_rule
    if name:
        return f"{group} · {name}", None
    return key, None


def describe(old, new, *, statuses=None) -> str:
    """The change between two value dicts in words, one line per changed key ("Status: Draft → Submitted",
    "选题 points: 10 → 12"): keys as labels, codes as their labels, technical keys (HIDDEN_KEYS) left out.
    `statuses` says the labels of the "status" values (a sheet's, a computation run's). The organiser's audit page,
    its exports and the sheet history show this same text."""
    before, after = _flatten(old), _flatten(new)
    labels = _labels(statuses or {})
    lines = []
    for key in list(before) + [k for k in after if k not in before]:
        if key.split(".")[0] in HIDDEN_KEYS or before.get(key) == after.get(key):
            continue
        label, words = _label(key, labels)

        def said(value, words=words):
            if value == "":
                return str(_("(none)"))
            if callable(words):
                return str(words(value))
            return str(words.get(value, value)) if words else value

        if key in before and key in after:
            line = _("%(what)s changed from %(old)s to %(new)s.")
        elif key in after:
            line = _("%(what)s: %(new)s.")
        else:
            line = _("%(what)s removed (was %(old)s).")
        lines.append(line % {"what": label, "old": said(before.get(key, "")), "new": said(after.get(key, ""))})
    return "\n".join(lines)
