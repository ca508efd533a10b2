"""Celery tasks of the public site."""

from celery import shared_task

from public.cache import catch_up_with_publications


@shared_task(name="public.catch_up_cache")
def catch_up_public_cache_task() -> bool:
    """Periodic (celery beat): make the public pages cached before a publication stale, if the publication could
    not do it (the cache's Redis was down)."""
    return catch_up_with_publications()
