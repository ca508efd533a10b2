import os

from celery import Celery
from celery.signals import worker_init

from portal.startup import require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _refuse_to_start_without_a_secret_key(**kwargs):
    require_secret_key()


def task(name: str):
    """The registered task `name` (e.g. "results.compute"). A service dispatches its task by name, so the service
    module never imports the tasks module that imports it; each app's ready() imports its own tasks."""
    return app.tasks[name]
