"""Render an e-mail in the recipient's language and put it in the outbox (portal.outbox), which sends it after the
transaction commits, or later if the task queue or the mail server is down."""

from django.template.loader import render_to_string
from django.utils import translation

from portal import outbox


def queue_email(*, to: list[str], template: str, context: dict, language: str = "zh-hans", signed_by: str = "") -> None:
    """template names a pair: `<template>_subject.txt` and `<template>_body.txt`. An e-mail about an edition is
    `signed_by` the edition's association: its name closes the body."""
    recipients = [address for address in to if address]
    if not recipients:
        return
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}_body.txt", context)
    if signed_by:
        body = f"{body.rstrip()}\n\n{signed_by}\n"
    outbox.queue_mail(to=recipients, subject=subject, body=body)


def queue_rendered(*, to: list[str], subject: str, body: str) -> None:
    """An e-mail already rendered (Django's password reset renders its own), queued like queue_email's."""
    recipients = [address for address in to if address]
    if recipients:
        outbox.queue_mail(to=recipients, subject=" ".join(subject.split()), body=body)
