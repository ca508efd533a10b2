from django.apps import AppConfig


class ScoringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "scoring"

    def ready(self):
        # Answers events' questions about rubrics, panels and the dashboard (events.hooks).
        from scoring import hooks, tasks  # noqa: F401
