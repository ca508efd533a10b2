from celery import shared_task
from django.core.mail import send_mail

from portal import outbox
from portal.health import record_heartbeat


@shared_task(name="portal.send_email", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(*, to: list[str], subject: str, body: str) -> int:
    """Send one plain-text e-mail. Kept for the messages queued before the outbox (portal.outbox) took over."""
    return send_mail(subject, body, None, to, fail_silently=False)


@shared_task(name="portal.send_outbox_email", ignore_result=True)
def send_outbox_email(message_id: int) -> bool:
    """Send one e-mail of the outbox; the row is marked sent once the SMTP server accepted it. A failure is kept on
    the row (last_error) and the drain tries again later, waiting longer after each failure."""
    return outbox.send_email_message(message_id)


@shared_task(name="portal.send_outbox", ignore_result=True)
def send_outbox() -> dict:
    """Run by the worker's beat every minute: deliver the outbox's waiting e-mails and task requests."""
    return outbox.drain()


@shared_task(name="portal.heartbeat", ignore_result=True)
def heartbeat() -> str:
    """Run by the worker's beat every minute: GET /healthz reports the worker stale without one for 3 minutes."""
    return record_heartbeat()
