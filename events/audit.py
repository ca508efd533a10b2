"""The audit trail of an edition's results, grade and scoring rules and publications: `record()` writes one
event. The organiser's audit page merges these events with the other trails (results.audit)."""

from events.models import AuditEvent

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
