"""Celery tasks of the results app: thin wrappers that take ids and call a service."""

from celery import shared_task

from results.award_lists import generate_award_list
from results.certificates import generate_certificates
from results.models import ACTIVE, AwardList, CertificateRun, ResultRun
from results.runs import dispatch_waiting_runs, execute_run


@shared_task(name="results.compute")
def compute_results_task(run_id: int) -> str:
    """Compute an edition's results for a queued ResultRun; returns the inputs' fingerprint."""
    run = ResultRun.objects.select_related("edition").filter(pk=run_id).first()
    if run is None or run.status not in ACTIVE:
        # Deleted meanwhile, delivered twice (acks_late), cancelled, or failed by the sweep and replaced by another
        # run while its message waited for the broker's visibility timeout: nothing to do.
        return run.fingerprint if run is not None else ""
    return execute_run(run=run).fingerprint


@shared_task(name="results.dispatch_waiting_runs")
def dispatch_waiting_runs_task() -> int:
    """Periodic sweep (celery beat): fail the running runs that stopped giving signs of life and queue others,
    send again the runs whose dispatch failed or that waited too long."""
    return dispatch_waiting_runs()


@shared_task(name="results.export_award_list")
def export_awards_task(award_list_id: int) -> str:
    """Generate an award list file (.xlsx or .csv); returns its storage name."""
    award_list = AwardList.objects.select_related("edition", "publication").filter(pk=award_list_id).first()
    if award_list is None or award_list.status == AwardList.Status.DONE:
        return award_list.file.name if award_list is not None else ""
    return generate_award_list(award_list=award_list).file.name


@shared_task(name="results.generate_certificates")
def generate_certificates_task(run_id: int, notify: bool = False) -> int:
    """Issue and print the certificates of a publication (a CertificateRun); returns how many."""
    run = CertificateRun.objects.select_related("edition", "publication").filter(pk=run_id).first()
    if run is None or run.status == CertificateRun.Status.DONE:
        return run.certificates if run is not None else 0
    return generate_certificates(run=run, notify=notify).certificates
