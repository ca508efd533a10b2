"""Celery tasks of the scoring app: thin wrappers that take ids and call a service."""

from celery import shared_task

from scoring.models import AwardList, ResultRun


@shared_task(name="scoring.compute_results")
def compute_results_task(run_id: int) -> str:
    """Compute an edition's results for a queued ResultRun; returns the inputs' fingerprint."""
    from scoring.results import execute_run

    run = ResultRun.objects.select_related("edition").filter(pk=run_id).first()
    if run is None or run.status == ResultRun.Status.DONE:
        # Deleted meanwhile, or delivered twice (acks_late): nothing to do.
        return run.fingerprint if run is not None else ""
    return execute_run(run=run).fingerprint


@shared_task(name="scoring.dispatch_waiting_runs")
def dispatch_waiting_runs_task() -> int:
    """Periodic sweep (celery beat): send again the runs whose dispatch failed or that waited too long."""
    from scoring.results import dispatch_waiting_runs

    return dispatch_waiting_runs()


@shared_task(name="scoring.catch_up_public_cache")
def catch_up_public_cache_task() -> bool:
    """Periodic (celery beat): make the public pages cached before a publication stale, if the publication could
    not do it (the cache's Redis was down)."""
    from scoring.public import catch_up_with_publications

    return catch_up_with_publications()


@shared_task(name="scoring.export_awards")
def export_awards_task(award_list_id: int) -> str:
    """Generate an award list file (.xlsx or .csv); returns its storage name."""
    from scoring.exports import generate_award_list

    award_list = AwardList.objects.select_related("edition", "publication").filter(pk=award_list_id).first()
    if award_list is None or award_list.status == AwardList.Status.DONE:
        return award_list.file.name if award_list is not None else ""
    return generate_award_list(award_list=award_list).file.name
