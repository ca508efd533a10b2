"""Domain functions for enterprises, recommending units and entries."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.mail import queue_email
from submissions.models import Enterprise

User = get_user_model()


@transaction.atomic
def register_enterprise(*, enterprise_data: dict, full_name: str, email: str, password: str, phone: str = ""):
    """Create a pending enterprise and its first user. The organiser approves it before it can submit."""
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(_("An account with this e-mail address already exists."))
    if Enterprise.objects.filter(credit_code=enterprise_data["credit_code"]).exists():
        raise ValidationError(
            _("This enterprise is already registered. Ask its users to add you, or contact the organiser.")
        )
    enterprise = Enterprise.objects.create(**enterprise_data)
    user = User.objects.create_user(
        email=email,
        password=password,
        full_name=full_name,
        phone=phone,
        role=User.Role.ENTERPRISE,
        enterprise=enterprise,
    )
    organisers = list(User.objects.filter(role=User.Role.ORGANISER, is_active=True).values_list("email", flat=True))
    queue_email(to=organisers, template="submissions/email/enterprise_registered", context={"enterprise": enterprise})
    return enterprise, user


@transaction.atomic
def review_enterprise(*, enterprise: Enterprise, organiser, approve: bool, note: str = "") -> Enterprise:
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if not approve and not note.strip():
        raise ValidationError(_("Please give the reason for rejecting the enterprise."))
    enterprise.status = Enterprise.Status.APPROVED if approve else Enterprise.Status.REJECTED
    enterprise.reviewed_by = organiser
    enterprise.reviewed_at = timezone.now()
    enterprise.review_note = note.strip()
    enterprise.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    queue_email(
        to=list(enterprise.users.filter(is_active=True).values_list("email", flat=True)),
        template="submissions/email/enterprise_reviewed",
        context={"enterprise": enterprise},
    )
    return enterprise
