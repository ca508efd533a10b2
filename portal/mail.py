"""Render an e-mail in the recipient's language and queue it on Celery after the transaction commits."""

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from portal.tasks import send_email


def queue_email(*, to: list[str], template: str, context: dict, language: str = "zh-hans") -> None:
    """template names a pair: `<template>_subject.txt` and `<template>_body.txt`."""
    recipients = [address for address in to if address]
    if not recipients:
        return
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}_body.txt", context)
    transaction.on_commit(lambda: send_email.delay(to=recipients, subject=subject, body=body))
