"""The outbox (portal/outbox.py): e-mails and task requests written with the change that causes them, handed to the
broker after the commit, kept while the broker or the mail server is down, delivered exactly once by the drains."""

import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from portal import outbox
from portal.models import OutboxMessage
from portal.tasks import send_outbox, send_outbox_email
from results.models import ResultRun
from submissions.models import Enterprise
from tests import factories, scenarios
from tests.conftest import need, postgres_available
from tests.submissions.test_signup import signup_data
from tests.workers import CLOSED_BROKER, broker, free_port

pytestmark = pytest.mark.django_db

REFUSED = "OperationalError: Error 111 connecting to 127.0.0.1:1. Connection refused."


def mail_message(n=1):
    return {"to": [f"judge{n}@example.com"], "subject": f"主题 {n}", "body": "正文"}


@pytest.fixture
def smtp_refused(settings):
    """A real SMTP backend pointed at a port nothing listens on: the mail server is down."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2


# --- written with the change ---------------------------------------------------------------------------


def test_a_rolled_back_change_drops_its_messages(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        outbox.queue_mail(**mail_message())
        outbox.queue_task("results.compute", 1)
        raise RuntimeError("the change fails")

    assert OutboxMessage.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_keeps_its_message_and_sends_it_after_the_commit():
    with transaction.atomic():
        message = outbox.queue_mail(**mail_message())
        assert (OutboxMessage.objects.get().sent_at, mail.outbox) == (None, [])

    stored = OutboxMessage.objects.get()
    assert (stored.pk, stored.kind, stored.payload, stored.attempts, stored.last_error) == (
        message.pk,
        "email",
        mail_message(),
        0,
        "",
    )
    assert stored.sent_at is not None
    assert [(m.to, m.subject, m.body) for m in mail.outbox] == [(["judge1@example.com"], "主题 1", "正文")]


def test_queue_email_renders_the_message_in_the_recipients_language_into_the_outbox(
    django_capture_on_commit_callbacks,
):
    from portal.mail import queue_email

    enterprise = factories.EnterpriseFactory(name="测试企业", status="approved")
    with django_capture_on_commit_callbacks(execute=False):
        queue_email(
            to=["x@example.com", ""],
            template="submissions/email/enterprise_reviewed",
            context={"enterprise": enterprise},
        )
    payload = OutboxMessage.objects.get().payload
    assert payload["to"] == ["x@example.com"]
    assert "测试企业" in payload["body"]
    assert payload["subject"] and "\n" not in payload["subject"]  # rendered on one line


def test_queue_email_closes_an_e_mail_about_an_edition_with_its_association_s_name(
    django_capture_on_commit_callbacks,
):
    from portal.mail import queue_email

    enterprise = factories.EnterpriseFactory(name="测试企业", status="approved")
    with django_capture_on_commit_callbacks(execute=False):
        queue_email(
            to=["x@example.com"],
            template="submissions/email/enterprise_reviewed",
            context={"enterprise": enterprise},
            signed_by="浙江省质量协会",
        )
    body = OutboxMessage.objects.get().payload["body"]
    assert body.endswith("\n\n浙江省质量协会\n")
    assert body.count("浙江省质量协会") == 1


def test_a_task_request_runs_after_the_commit_in_eager_mode_and_is_marked_sent(django_capture_on_commit_callbacks):
    edition, venue, judges, entries = scenarios.scored_venue(entries=1)
    run = factories.ResultRunFactory(edition=edition)

    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.queue_task("results.compute", run.pk)

    run.refresh_from_db()
    assert run.status == ResultRun.Status.DONE
    message.refresh_from_db()
    assert (message.kind, message.payload, message.attempts) == (
        "task",
        {"task": "results.compute", "args": [run.pk]},
        0,
    )
    assert message.sent_at is not None


def test_a_task_request_identical_to_a_waiting_one_is_not_written_twice(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first = outbox.queue_task("results.compute", 7)
        second = outbox.queue_task("results.compute", 7)
        other = outbox.queue_task("results.compute", 8)

    assert second.pk == first.pk
    assert OutboxMessage.objects.count() == 2
    assert other.pk != first.pk


# --- the broker down -------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_a_sign_up_answers_at_once_and_its_notice_waits(client, organiser):
    with broker(CLOSED_BROKER):
        started = time.monotonic()
        response = client.post(reverse("submissions:signup"), signup_data())
        elapsed = time.monotonic() - started

    assert (response.status_code, response.url) == (302, reverse("submissions:signup_sent"))
    assert elapsed < 2
    assert Enterprise.objects.get().name == "钱塘精工有限公司"
    # the organisers' notice and the confirmation link to the person who signed up: both wait
    waiting = sorted(OutboxMessage.objects.all(), key=lambda m: m.payload["to"] != [organiser.email])
    assert [(m.kind, m.payload["to"], m.attempts, m.last_error, m.sent_at) for m in waiting] == [
        ("email", [organiser.email], 1, REFUSED, None),
        ("email", ["sun@qiantang.example"], 1, REFUSED, None),
    ]
    assert mail.outbox == []

    # The broker is back (here: eager Celery); the beat's drain sends both.
    assert send_outbox.delay().get() == {"sent": 2, "failed": 0}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([organiser.email, "sun@qiantang.example"])
    message = waiting[0]
    message.refresh_from_db()
    assert message.sent_at is not None


def test_with_the_broker_down_a_drain_sends_the_emails_and_keeps_the_tasks(
    broker_down_for_drain, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        outbox.queue_mail(**mail_message(1))
        outbox.queue_task("results.compute", 1)
        outbox.queue_task("results.compute", 2)
        outbox.queue_mail(**mail_message(2))

    assert outbox.drain() == {"sent": 2, "failed": 1}  # the first task refused: the second is not tried

    assert sorted(m.subject for m in mail.outbox) == ["主题 1", "主题 2"]
    assert sorted(OutboxMessage.objects.waiting().values_list("payload__args", "attempts", "last_error")) == [
        ([1], 1, REFUSED),
        ([2], 0, ""),
    ]


@pytest.fixture
def broker_down_for_drain():
    with broker(CLOSED_BROKER):
        yield


# --- the mail server down --------------------------------------------------------------------------------


def test_an_smtp_failure_keeps_the_message_with_its_error_and_tries_again_later(smtp_refused):
    message = OutboxMessage.objects.create(kind="email", payload=mail_message())

    assert outbox.drain() == {"sent": 0, "failed": 1}
    message.refresh_from_db()
    assert (message.attempts, message.last_error, message.sent_at) == (
        1,
        "ConnectionRefusedError: [Errno 111] Connection refused",
        None,
    )
    assert timedelta(seconds=55) < message.next_attempt_at - timezone.now() <= timedelta(minutes=1)
    assert outbox.drain() == {"sent": 0, "failed": 0}  # not due yet

    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox.drain() == {"sent": 0, "failed": 1}
    message.refresh_from_db()
    assert message.attempts == 2
    assert timedelta(seconds=115) < message.next_attempt_at - timezone.now() <= timedelta(minutes=2)


def test_the_workers_email_task_marks_the_message_sent_only_once_smtp_accepted_it(smtp_refused, settings):
    message = OutboxMessage.objects.create(kind="email", payload=mail_message())

    assert send_outbox_email.delay(message.pk).get() is False
    message.refresh_from_db()
    assert (message.attempts, message.sent_at) == (1, None)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the mail server is back
    assert send_outbox_email.delay(message.pk).get() is True
    assert send_outbox_email.delay(message.pk).get() is False  # delivered twice by the broker: sent once
    message.refresh_from_db()
    assert message.sent_at is not None
    assert [m.subject for m in mail.outbox] == ["主题 1"]


def test_an_email_handed_to_a_worker_is_left_to_it_until_the_grace_is_over():
    handed = OutboxMessage.objects.create(
        kind="email", payload=mail_message(1), next_attempt_at=timezone.now() + outbox.WORKER_GRACE
    )
    lost = OutboxMessage.objects.create(
        kind="email", payload=mail_message(2), next_attempt_at=timezone.now() - timedelta(seconds=1)
    )

    assert outbox.drain() == {"sent": 1, "failed": 0}
    assert [m.subject for m in mail.outbox] == ["主题 2"]
    assert list(OutboxMessage.objects.waiting().values_list("pk", flat=True)) == [handed.pk]
    assert OutboxMessage.objects.get(pk=lost.pk).sent_at is not None


# --- two drains at once ----------------------------------------------------------------------------------


class SlowBackend(EmailBackend):
    """The test's mail server: the locmem backend, taking a few milliseconds per message like a real one."""

    def send_messages(self, messages):
        time.sleep(0.02)
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_two_drains_at_once_send_every_message_exactly_once(settings):
    need("PostgreSQL", postgres_available(), "SQLite has no row locks to skip")
    settings.EMAIL_BACKEND = "tests.portal.test_outbox.SlowBackend"
    OutboxMessage.objects.bulk_create(OutboxMessage(kind="email", payload=mail_message(n)) for n in range(1, 41))
    results = []
    start = threading.Barrier(2)

    def drain():
        start.wait()
        try:
            results.append(outbox.drain())
        finally:
            connection.close()

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == sorted(f"主题 {n}" for n in range(1, 41))
    assert sum(result["sent"] for result in results) == 40
    assert all(result["sent"] > 0 for result in results)  # both drains worked, side by side
    assert not OutboxMessage.objects.waiting().exists()


# --- the command, the beat, the warnings -----------------------------------------------------------------


def test_send_outbox_sends_what_waits_and_says_what_is_left(smtp_refused, settings):
    OutboxMessage.objects.create(kind="email", payload=mail_message(1))

    out = StringIO()
    call_command("send_outbox", stdout=out)
    assert out.getvalue() == "Sent 0, failed 1; 1 waiting.\n"

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    out = StringIO()
    call_command("send_outbox", stdout=out)
    assert out.getvalue() == "Sent 1, failed 0; 0 waiting.\n"
    assert [m.subject for m in mail.outbox] == ["主题 1"]


def test_the_beat_drains_the_outbox_every_minute(settings):
    assert settings.CELERY_BEAT_SCHEDULE["send-outbox"] == {"task": "portal.send_outbox", "schedule": 60.0}


def test_no_dispatch_waits_on_the_result_backend_and_a_dead_broker_is_not_retried(settings):
    assert settings.CELERY_TASK_IGNORE_RESULT is True
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS == {"socket_connect_timeout": 1, "max_retries": 0}


def test_the_dashboard_warns_the_organiser_of_messages_waiting_more_than_five_minutes(client_for):
    edition = factories.EditionFactory()
    organiser = factories.OrganiserFactory()
    edition.organisers.add(organiser)
    OutboxMessage.objects.create(
        kind="task",
        payload={"task": "results.compute", "args": [1]},
        created_at=timezone.now() - timedelta(minutes=6),
    )
    OutboxMessage.objects.create(kind="email", payload=mail_message())  # just written: no warning yet
    client = client_for(organiser)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    response = client.get(reverse("events:dashboard", args=[edition.pk]))

    assert response.status_code == 200
    assert (
        "1 e-mail or task has waited more than 5 minutes to be sent: the task queue or the mail server may be "
        "down. It is sent as soon as they answer."
    ) in response.context["warnings"]


def test_the_dashboard_has_no_outbox_warning_when_nothing_is_late():
    assert outbox.late_warnings() == []
    OutboxMessage.objects.create(
        kind="email", payload=mail_message(), created_at=timezone.now() - timedelta(hours=1), sent_at=timezone.now()
    )
    assert outbox.late_warnings() == []


def test_a_drain_forgets_messages_sent_more_than_thirty_days_ago():
    now = timezone.now()
    old = OutboxMessage.objects.create(kind="email", payload=mail_message(1), sent_at=now - timedelta(days=31))
    recent = OutboxMessage.objects.create(kind="email", payload=mail_message(2), sent_at=now - timedelta(days=29))
    waiting = OutboxMessage.objects.create(
        kind="email",
        payload=mail_message(3),
        created_at=now - timedelta(days=40),
        next_attempt_at=now + timedelta(hours=1),
    )

    assert outbox.drain() == {"sent": 0, "failed": 0}

    assert sorted(OutboxMessage.objects.values_list("pk", flat=True)) == sorted([recent.pk, waiting.pk])
    assert old.pk not in OutboxMessage.objects.values_list("pk", flat=True)
