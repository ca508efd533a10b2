from celery import shared_task
from django.core.mail import send_mail

from portal.health import record_heartbeat


@shared_task(name="portal.send_email", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(*, to: list[str], subject: str, body: str) -> int:
    """Send one plain-text e-mail. Rendered (and translated) by the caller, sent by the worker."""
    return send_mail(subject, body, None, to, fail_silently=False)


@shared_task(name="portal.heartbeat", ignore_result=True)
def heartbeat() -> str:
    """Run by the worker's beat every minute: GET /healthz reports the worker stale without one for 3 minutes."""
    return record_heartbeat()
