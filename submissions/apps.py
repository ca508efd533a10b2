from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "submissions"

    def ready(self):
        # Answers events' questions about the edition dashboard (events.hooks).
        from submissions import hooks, tasks  # noqa: F401
