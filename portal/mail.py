"""Render an e-mail in the recipient's language and queue it on Celery after the transaction commits."""

import logging

import kombu.exceptions
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from portal.tasks import send_email

logger = logging.getLogger(__name__)


def queue_email(*, to: list[str], template: str, context: dict, language: str = "zh-hans") -> None:
    """template names a pair: `<template>_subject.txt` and `<template>_body.txt`."""
    recipients = [address for address in to if address]
    if not recipients:
        return
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}_body.txt", context)
    transaction.on_commit(lambda: _dispatch(to=recipients, subject=subject, body=body))


def queue_rendered(*, to: list[str], subject: str, body: str) -> None:
    """An e-mail already rendered (Django's password reset renders its own), queued like queue_email's."""
    recipients = [address for address in to if address]
    if recipients:
        subject = " ".join(subject.split())
        transaction.on_commit(lambda: _dispatch(to=recipients, subject=subject, body=body))


def _dispatch(**message) -> None:
    """Queue the message; with the broker down, send it from this process rather than lose it or fail a
    request whose changes are already committed."""
    try:
        send_email.delay(**message)
    except (kombu.exceptions.OperationalError, OSError) as error:
        logger.warning("Task queue unreachable (%s): sending the e-mail to %s directly", error, message["to"])
        try:
            send_email.apply(kwargs=message, throw=True)
        except Exception:
            logger.exception("The e-mail to %s could not be sent", message["to"])
