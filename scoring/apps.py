from django.apps import AppConfig


class ScoringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "scoring"

    def ready(self):
        # Connects the signals that clear the public pages' cache when a publication changes.
        from scoring import public  # noqa: F401
