from django.apps import AppConfig


class ResultsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "results"
    verbose_name = "results"

    def ready(self):
        # Registers the tasks, which services dispatch by name (portal.celery.task), and the receivers of
        # the judging app's signals (a venue signed off starts a computation), and its answers to events.hooks.
        from results import hooks, receivers, tasks  # noqa: F401
