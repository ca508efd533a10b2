from django.apps import AppConfig


class PublicConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "public"

    def ready(self):
        # Connects the signals that clear the public pages' cache when a publication changes.
        from public import cache, tasks  # noqa: F401
