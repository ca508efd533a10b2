import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext as _

from events.models import Edition
from portal import import_jobs
from scoring import paper_sheets

logger = logging.getLogger(__name__)


@shared_task(name="scoring.import_paper_sheets")
def import_paper_sheets(*, job: str, token: str, edition_id: int, user_id: int, language: str) -> None:
    """Write a confirmed file of paper sheets too large for a request (scoring.paper_sheets.import_stashed), in the
    language of the organiser who confirmed it."""
    with translation.override(language):
        try:
            paper_sheets.import_stashed(
                job=job,
                token=token,
                edition=Edition.objects.get(pk=edition_id),
                by=get_user_model().objects.get(pk=user_id),
            )
        except Exception:
            logger.exception("The background import %s of paper sheets into edition %s failed", job, edition_id)
            import_jobs.finish(
                job, level="error", messages=[_("The import failed, so nothing was imported. Upload the file again.")]
            )
            raise
