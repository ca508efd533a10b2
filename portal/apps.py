from django.apps import AppConfig
from django.db.models.signals import pre_save


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"

    def ready(self):
        from django import forms

        # sessions: a log-in marks its session as just renewed (a signal receiver); tasks: registers the portal's
        # tasks, which the outbox (portal.outbox) hands over by name.
        from portal import sessions, tasks, text  # noqa: F401

        # Free text is cleaned at input: every form's text fields, every model's before it is saved (portal/text.py).
        forms.CharField.to_python = text.clean_form_field_text
        pre_save.connect(text.clean_model_text, dispatch_uid="portal.text.clean_model_text")
