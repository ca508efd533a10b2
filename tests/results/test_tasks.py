"""The results tasks: eagerly in the suite, and on a real Celery worker against Redis and PostgreSQL."""

import zipfile
from decimal import Decimal as D

import pytest
from django.utils import timezone

from portal.models import OutboxMessage
from results import runs
from results.models import AwardList, Certificate, CertificateRun, Result, ResultRun
from results.tasks import compute_results_task, export_awards_task, generate_certificates_task
from tests import factories, scenarios
from tests.workers import wait_for


def small_edition():
    category = scenarios.category(grades=[("标杆", "share", "0.5")])
    venue, judges = scenarios.venue(category, judges=5)
    first = scenarios.scored_entry(venue, judges, [90, 88, "86.5", 84, 70])
    second = scenarios.scored_entry(venue, judges, [80, 80, 80, 80, 80])
    return category.edition, first, second


@pytest.mark.django_db
def test_compute_task_runs_a_queued_run():
    edition, first, second = small_edition()
    run = factories.ResultRunFactory(edition=edition)

    fingerprint = compute_results_task.delay(run.pk).get()

    run.refresh_from_db()
    assert (run.status, run.fingerprint) == (ResultRun.Status.DONE, fingerprint)
    # drop 90 and 70: (88 + 86.5 + 84) / 3 = 86.1666... -> 86.17
    assert Result.objects.get(entry=first).final_score == D("86.17")
    assert Result.objects.get(entry=first).grade == "标杆"


@pytest.mark.django_db
def test_compute_task_delivered_twice_does_not_recompute():
    edition, first, _ = small_edition()
    run = factories.ResultRunFactory(edition=edition, status=ResultRun.Status.DONE, fingerprint="abc")

    assert compute_results_task.delay(run.pk).get() == "abc"
    assert not Result.objects.exists()


@pytest.mark.django_db
def test_tasks_of_deleted_objects_do_nothing():
    assert compute_results_task.delay(987654).get() == ""
    assert export_awards_task.delay(987654).get() == ""


@pytest.mark.services
def test_compute_and_export_on_a_real_worker(worker):
    edition, first, second = small_edition()
    run = factories.ResultRunFactory(edition=edition)

    compute_results_task.apply_async(args=[run.pk], queue=worker["queue"])
    wait_for(
        lambda: ResultRun.objects.get(pk=run.pk).status in {ResultRun.Status.DONE, ResultRun.Status.FAILED},
        seconds=90,
        log_path=worker["log"],
    )

    run.refresh_from_db()
    assert (run.status, run.progress, run.error) == (ResultRun.Status.DONE, 100, "")
    assert Result.objects.get(entry=first).final_score == D("86.17")
    assert Result.objects.get(entry=second).final_score == D("80.00")
    assert [r.rank for r in Result.objects.order_by("-final_score")] == [1, 2]

    award_list = AwardList.objects.create(edition=edition, format=AwardList.Format.CSV)
    export_awards_task.apply_async(args=[award_list.pk], queue=worker["queue"])
    wait_for(
        lambda: AwardList.objects.get(pk=award_list.pk).status in {AwardList.Status.DONE, AwardList.Status.FAILED},
        seconds=60,
        log_path=worker["log"],
    )
    award_list.refresh_from_db()
    assert (award_list.status, award_list.rows) == (AwardList.Status.DONE, 2)
    assert "Task results.compute" in worker["log"].read_text()


@pytest.mark.django_db
def test_sign_off_queues_the_computation_after_commit(django_capture_on_commit_callbacks):
    from scoring.progress import sign_off_venue

    category = scenarios.category(grades=[("标杆", "share", "0.5")])
    venue, judges = scenarios.venue(category, judges=3)
    item = scenarios.scored_entry(venue, judges, [90, "85.5", 80])

    with django_capture_on_commit_callbacks(execute=True):
        sign_off_venue(venue=venue, by=judges[0])

    run = ResultRun.objects.get(edition=category.edition)
    # One request, handed over (eager Celery: run here) after the commit.
    assert list(OutboxMessage.objects.filter(sent_at__isnull=False).values_list("payload", flat=True)) == [
        {"task": "results.compute", "args": [run.pk]}
    ]
    assert (run.status, run.started_by) == (ResultRun.Status.DONE, None)
    # (90 + 85.5 + 80) / 3 = 85.1666... -> 85.17
    assert Result.objects.get(entry=item).final_score == D("85.17")


def published_small_edition():
    edition, first, second = small_edition()
    runs.execute_run(run=factories.ResultRunFactory(edition=edition))
    for venue in edition.venues.all():
        venue.signed_off_at = timezone.now()
        venue.save(update_fields=["signed_off_at"])
    publication = factories.PublicationFactory(edition=edition, version=1)
    scenarios.published_row(publication, entry=first, rank=1, grade="标杆")
    scenarios.published_row(publication, entry=second, rank=2, grade="")
    return publication, first


@pytest.mark.django_db
def test_the_certificates_task_prints_a_queued_run_once():
    publication, first = published_small_edition()
    run = factories.CertificateRunFactory(publication=publication)

    assert generate_certificates_task.delay(run.pk).get() == 1
    assert generate_certificates_task.delay(run.pk).get() == 1  # delivered twice: done already

    run.refresh_from_db()
    assert (run.status, run.progress, run.certificates, run.archives.count()) == (CertificateRun.Status.DONE, 100, 1, 1)
    assert list(Certificate.objects.values_list("entry_id", "number")) == [
        (first.pk, f"〔{first.edition.year}〕{first.category.code}-0001")
    ]
    assert generate_certificates_task.delay(987654).get() == 0


@pytest.mark.services
def test_the_certificates_are_printed_on_a_real_worker(worker):
    publication, first = published_small_edition()
    run = factories.CertificateRunFactory(publication=publication)

    generate_certificates_task.apply_async(args=[run.pk], queue=worker["queue"])
    wait_for(
        lambda: (
            CertificateRun.objects.get(pk=run.pk).status in {CertificateRun.Status.DONE, CertificateRun.Status.FAILED}
        ),
        seconds=90,
        log_path=worker["log"],
    )

    run.refresh_from_db()
    assert (run.status, run.progress, run.error, run.certificates) == (CertificateRun.Status.DONE, 100, "", 1)
    archive = run.archives.get()
    with archive.file.open("rb") as handle:
        names = zipfile.ZipFile(handle).namelist()
    assert names == [f"荣誉证书-{first.category.name}.pdf", f"荣誉证书-{first.category.name}-清单.csv"]
    assert "Task results.generate_certificates" in worker["log"].read_text()
