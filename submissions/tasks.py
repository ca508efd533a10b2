import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext as _

from events.models import Edition
from portal import import_jobs
from submissions import imports

logger = logging.getLogger(__name__)


@shared_task(name="submissions.import_recommendations")
def import_recommendations(
    *, job: str, token: str, edition_id: int, user_id: int, valid_rows_only: bool, language: str
) -> None:
    """Import a confirmed recommendation list too large for a request (submissions.imports.import_stashed), in the
    language of the user who confirmed it."""
    with translation.override(language):
        try:
            imports.import_stashed(
                job=job,
                token=token,
                edition=Edition.objects.get(pk=edition_id),
                by=get_user_model().objects.get(pk=user_id),
                valid_rows_only=valid_rows_only,
            )
        except Exception:
            logger.exception("The background import %s of edition %s failed", job, edition_id)
            import_jobs.finish(
                job, level="error", messages=[_("The import failed, so nothing was imported. Upload the list again.")]
            )
            raise
