from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"

    def ready(self):
        # Registers the portal's tasks, which the outbox (portal.outbox) hands over by name.
        from portal import tasks  # noqa: F401
