"""The outbox: outgoing e-mails and task requests kept in the database until they are delivered.

A change that sends an e-mail or starts a task writes an OutboxMessage in its own transaction, so a rollback drops
the message and a commit keeps it. Once the transaction commits, hand_over() gives it to the broker with a short
timeout (settings CELERY_BROKER_TRANSPORT_OPTIONS: a dead Redis costs the request a fraction of a second, never an
error): a task request is then sent; an e-mail goes to the worker's task portal.send_outbox_email, which marks it
sent once the SMTP server accepted it. Whatever still waits is delivered by drain(): the worker's beat every minute
(portal.send_outbox) and `manage.py send_outbox` (an operator, or cron). A drain sends e-mails itself, so mail goes
out even while the broker is down. Two drains never deliver one message twice: each takes its rows with
select_for_update(skip_locked=True), and the worker's e-mail task waits for the row's lock.

With no broker configured (eager Celery: development, tests) a task runs in this process after the commit and an
e-mail is sent from it, as they always were.
"""

import logging
from datetime import timedelta
from functools import partial

import kombu.exceptions
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from portal.celery import app, task
from portal.models import OutboxMessage

logger = logging.getLogger(__name__)

# What the broker raises when it is unreachable (kombu re-raises Redis' connection errors as OperationalError).
BROKER_ERRORS = (kombu.exceptions.OperationalError, OSError)
EMAIL_TASK = "portal.send_outbox_email"
# An e-mail handed to the worker and still not sent after this long was lost with the broker's queue (Redis
# restarted empty, a worker gone): the next drain sends it itself.
WORKER_GRACE = timedelta(minutes=10)
# After the n-th failed SMTP attempt the next one waits 2^(n-1) minutes, at most an hour.
MAX_BACKOFF = timedelta(hours=1)
# Organisers are warned (dashboard, /healthz) about messages waiting longer than this.
LATE_AFTER = timedelta(minutes=5)
DRAIN_LIMIT = 1000
# Sent messages are kept this long (what was sent to whom, for an organiser's question), then a drain deletes them.
KEEP_SENT = timedelta(days=30)


def queue_task(name: str, *args, **kwargs) -> OutboxMessage:
    """Request the task `name` (e.g. "results.compute") with primitive arguments, delivered once the transaction
    commits. A request identical to one still waiting is not written twice (tasks are idempotent): the waiting one
    is handed over on commit instead, and returned."""
    payload = {"task": name, "args": list(args)}
    if kwargs:
        payload["kwargs"] = kwargs
    waiting = OutboxMessage.objects.waiting().filter(kind=OutboxMessage.Kind.TASK, payload=payload).first()
    if waiting is not None:
        transaction.on_commit(partial(hand_over, waiting))
        return waiting
    return _queue(OutboxMessage.Kind.TASK, payload)


def queue_mail(*, to: list[str], subject: str, body: str) -> OutboxMessage:
    """An e-mail already rendered (portal.mail.queue_email renders it), sent once the transaction commits."""
    return _queue(OutboxMessage.Kind.EMAIL, {"to": list(to), "subject": subject, "body": body})


def _queue(kind: str, payload: dict) -> OutboxMessage:
    message = OutboxMessage.objects.create(kind=kind, payload=payload)
    transaction.on_commit(partial(hand_over, message))
    return message


def eager() -> bool:
    return bool(app.conf.task_always_eager)


def hand_over(message: OutboxMessage) -> bool:
    """Run after the commit that wrote `message`: deliver it now if the broker takes it; otherwise it waits for a
    drain. Never raises for an outage (the change it follows is committed); updates `message` in place."""
    try:
        with transaction.atomic():
            locked = OutboxMessage.objects.select_for_update(skip_locked=True).waiting().filter(pk=message.pk).first()
            if locked is None:  # delivered or being delivered by a drain
                return False
            delivered = _deliver(locked, send_mail_here=False)
    except Exception:
        if eager():  # the task itself failed, in this process: as before the outbox, the caller sees it
            raise
        logger.exception("Outgoing message %s could not be handed over; a drain delivers it later", message.pk)
        return False
    for field in ("attempts", "last_error", "next_attempt_at", "sent_at"):
        setattr(message, field, getattr(locked, field))
    return delivered


def drain(*, limit: int = DRAIN_LIMIT) -> dict:
    """Deliver the messages that wait and are due, oldest first: send e-mails from this process, hand task requests
    to the broker (with the broker down, the first failure leaves the others for the next drain); then forget the
    messages sent more than KEEP_SENT ago. Returns how many were sent and how many failed."""
    sent = failed = 0
    tried: set[int] = set()
    broker_down = False
    while len(tried) < limit:
        with transaction.atomic():
            due = OutboxMessage.objects.due().exclude(pk__in=tried)
            if broker_down:
                due = due.filter(kind=OutboxMessage.Kind.EMAIL)
            message = due.select_for_update(skip_locked=True).order_by("next_attempt_at", "pk").first()
            if message is None:
                break
            tried.add(message.pk)
            if _deliver(message, send_mail_here=True):
                sent += 1
            else:
                failed += 1
                broker_down = broker_down or message.kind == OutboxMessage.Kind.TASK
    if sent or failed:
        logger.info("Outbox drained: %s sent, %s failed", sent, failed)
    OutboxMessage.objects.filter(sent_at__lt=timezone.now() - KEEP_SENT).delete()
    return {"sent": sent, "failed": failed}


def send_email_message(message_id: int) -> bool:
    """The worker's task for an e-mail handed over: send it unless sent meanwhile. Waits for the row's lock, so a
    drain sending the same message finishes (and marks it sent) first."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().waiting().filter(pk=message_id).first()
        if message is None:
            return False
        return _send(message)


def _deliver(message: OutboxMessage, *, send_mail_here: bool) -> bool:
    """Deliver one message whose row lock the caller holds."""
    if message.kind == OutboxMessage.Kind.EMAIL:
        if send_mail_here or eager():
            return _send(message)
        if _publish(message, EMAIL_TASK, [message.pk]):
            # Not sent yet: the worker marks it. A drain takes it again only if the worker never did.
            message.next_attempt_at = timezone.now() + WORKER_GRACE
            message.save(update_fields=["next_attempt_at"])
            return True
        return False
    name, args, kwargs = message.payload["task"], message.payload["args"], message.payload.get("kwargs", {})
    if eager():
        # Run it here, after the row is marked and the lock released, outside this transaction (as before).
        _mark_sent(message)
        transaction.on_commit(lambda: task(name).apply_async(args=args, kwargs=kwargs))
        return True
    if _publish(message, name, args, kwargs):
        _mark_sent(message)
        return True
    return False


def _publish(message: OutboxMessage, name: str, args: list, kwargs: dict | None = None) -> bool:
    """Give a task to the broker without retrying and without the result backend (nothing reads the results)."""
    try:
        task(name).apply_async(args=args, kwargs=kwargs or {}, retry=False, ignore_result=True)
    except BROKER_ERRORS as error:
        logger.warning("Task queue unreachable (%s): outgoing message %s waits", error, message.pk)
        _failed(message, error, retry_in=timedelta(0))
        return False
    return True


def _send(message: OutboxMessage) -> bool:
    payload = message.payload
    try:
        send_mail(payload["subject"], payload["body"], None, payload["to"], fail_silently=False)
    except Exception as error:  # SMTP refused, timed out, unreachable: try again later
        retry_in = min(timedelta(minutes=2**message.attempts), MAX_BACKOFF)
        logger.warning(
            "The e-mail %s to %s was not sent (%s); next attempt in %s", message.pk, payload["to"], error, retry_in
        )
        _failed(message, error, retry_in=retry_in)
        return False
    _mark_sent(message)
    return True


def _mark_sent(message: OutboxMessage) -> None:
    message.sent_at = timezone.now()
    message.save(update_fields=["sent_at"])


def _failed(message: OutboxMessage, error: Exception, *, retry_in: timedelta) -> None:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    message.next_attempt_at = timezone.now() + retry_in
    message.save(update_fields=["attempts", "last_error", "next_attempt_at"])


def backlog(*, late_after: timedelta = LATE_AFTER) -> dict:
    """What waits: how many messages, how many for longer than `late_after`, the oldest one's time and last error."""
    waiting = OutboxMessage.objects.waiting()
    late = waiting.filter(created_at__lte=timezone.now() - late_after)
    oldest = waiting.order_by("created_at", "pk").values("created_at", "last_error").first()
    return {
        "waiting": waiting.count(),
        "late": late.count(),
        "oldest": oldest["created_at"].isoformat() if oldest else None,
        "last_error": oldest["last_error"] if oldest else "",
    }


def late_warnings() -> list[str]:
    """For the organisers' dashboard: messages waiting for more than LATE_AFTER."""
    late = OutboxMessage.objects.waiting().filter(created_at__lte=timezone.now() - LATE_AFTER).count()
    if not late:
        return []
    return [
        ngettext(
            "%(count)s e-mail or task has waited more than %(minutes)s minutes to be sent: "
            "the task queue or the mail server may be down. It is sent as soon as they answer.",
            "%(count)s e-mails and tasks have waited more than %(minutes)s minutes to be sent: "
            "the task queue or the mail server may be down. They are sent as soon as they answer.",
            late,
        )
        % {"count": late, "minutes": int(LATE_AFTER.total_seconds() // 60)}
    ]
