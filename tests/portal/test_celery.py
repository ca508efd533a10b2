import pytest
from django.core import mail

from portal.celery import app
from portal.mail import queue_email
from portal.tasks import send_email


def test_celery_app_reads_django_settings_and_finds_the_tasks(settings):
    app.loader.import_default_modules()
    assert app.conf.task_always_eager is True
    assert {"portal.send_email", "portal.send_outbox_email", "portal.send_outbox"} <= set(app.tasks)


def test_send_email_task_sends_one_message(db):
    send_email.delay(to=["a@example.com"], subject="主题", body="正文")
    assert [(m.to, m.subject, m.body) for m in mail.outbox] == [(["a@example.com"], "主题", "正文")]


@pytest.mark.django_db
def test_queue_email_sends_after_commit_in_the_recipients_language(django_capture_on_commit_callbacks):
    from tests.factories import EnterpriseFactory

    enterprise = EnterpriseFactory(name="测试企业", status="approved")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue_email(
            to=["x@example.com", ""],
            template="submissions/email/enterprise_reviewed",
            context={"enterprise": enterprise},
        )
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["x@example.com"]
    assert "测试企业" in mail.outbox[0].body
