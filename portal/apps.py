from django.apps import AppConfig


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"

    def ready(self):
        # A log-in marks its session as just renewed (portal.sessions).
        from portal import sessions  # noqa: F401
