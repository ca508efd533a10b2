"""Faults: the broker down while judges submit and sign off, a worker killed in the middle of a results run,
the database refusing a write in the middle of an import. Nothing is lost, nothing is half-written."""

import io
import os
import shutil
import signal
import time
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.db.models.query import QuerySet
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from events.models import AuditEvent
from portal import outbox
from portal.models import OutboxMessage
from results import runs
from results.models import Result, ResultRun
from results.tasks import compute_results_task
from scoring.models import CriterionScore, ScoreSheet, SheetAudit
from submissions.models import Enterprise, Entry, EntryTransition, Member
from tests import factories, scenarios
from tests.conftest import need, postgres_available
from tests.scenarios import entries_workbook, entry_row
from tests.workers import (
    CLOSED_BROKER,
    broker,
    free_port,
    reset_connections,
    start_redis,
    start_worker,
    stop,
    wait_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def submit_through_the_page(client, venue, entry, judge):
    url = reverse("scoring:score_entry", args=[venue.pk, entry.pk])
    client.get(url)  # looking writes nothing: the first save creates the sheet, at version 1
    criteria = list(entry.rubric.criteria.order_by("position"))
    form = {f"c{c.pk}": str(c.max_points - 1) for c in criteria}  # 100 - 6 = 94
    return client.post(url, {**form, "comment": "", "version": 1, "action": "submit"})


# --- 1. the broker down while a judge submits and the leader signs off ----------------------------


@pytest.fixture
def broker_down():
    """Celery out of eager mode, sending to a Redis that refuses connections (a real connection attempt)."""
    with broker(CLOSED_BROKER):
        yield


BROKER_REFUSED = "OperationalError: Error 111 connecting to 127.0.0.1:1. Connection refused."


def test_submit_and_sign_off_with_the_broker_down_keep_everything_and_leave_a_queued_run(
    client_for, broker_down, django_capture_on_commit_callbacks
):
    edition, venue, judges, entries = scenarios.scored_venue()

    response = submit_through_the_page(client_for(judges[2]), venue, entries[-1], judges[2])
    assert response.status_code == 302
    sheet = ScoreSheet.objects.get(entry=entries[-1], judge=judges[2])
    assert sheet.status == ScoreSheet.Status.SUBMITTED

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(judges[0]).post(reverse("scoring:sign_off", args=[venue.pk]))
    assert time.monotonic() - started < 2
    assert (response.status_code, response.url) == (302, reverse("scoring:panel", args=[venue.pk]))
    venue.refresh_from_db()
    assert venue.signed_off_by == judges[0]
    run = ResultRun.objects.get(edition=edition)
    assert run.status == ResultRun.Status.QUEUED
    assert not Result.objects.exists()
    assert list(OutboxMessage.objects.values_list("kind", "payload", "attempts", "last_error", "sent_at")) == [
        ("task", {"task": "results.compute", "args": [run.pk]}, 1, BROKER_REFUSED, None)
    ]


@pytest.mark.django_db(transaction=True)  # each request commits: what it queues is handed over at once
def test_the_queued_run_is_computed_by_the_next_request_once_the_broker_is_back(client_for):
    edition, venue, judges, entries = scenarios.scored_venue()
    scenarios.score(entries[-1], judges[2], 74)
    with broker(CLOSED_BROKER):
        client_for(judges[0]).post(reverse("scoring:sign_off", args=[venue.pk]))
    run = ResultRun.objects.get()
    assert run.error == "The task queue was unreachable; the computation starts as soon as it is back."

    organiser = edition.organisers.get()
    response = client_for(organiser).post(reverse("results:compute", args=[edition.pk]))

    assert response.status_code == 302
    assert list(ResultRun.objects.values_list("pk", "status", "error")) == [(run.pk, ResultRun.Status.DONE, "")]
    # 90/85/80 -> 85.00; 70/72/74 -> 72.00
    assert dict(Result.objects.values_list("entry_id", "final_score")) == {
        entries[0].pk: D("85.00"),
        entries[1].pk: D("72.00"),
    }
    # One request, delivered once the broker (here: eager Celery) answered: not a second one.
    assert OutboxMessage.objects.filter(sent_at__isnull=False).count() == 1
    assert not OutboxMessage.objects.waiting().exists()


def test_the_sweep_sends_again_runs_that_failed_to_dispatch_or_waited_too_long(django_capture_on_commit_callbacks):
    edition, venue, judges, entries = scenarios.scored_venue(entries=1)
    other = scenarios.category(grades=[("标杆", "share", "0.5")]).edition
    failed = factories.ResultRunFactory(edition=edition, error="The task queue was unreachable")
    old = factories.ResultRunFactory(edition=other)
    ResultRun.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    factories.ResultRunFactory(edition=factories.EditionFactory())  # fresh: its request is on its way

    with django_capture_on_commit_callbacks(execute=False):
        runs.dispatch_waiting_runs()

    assert sorted(OutboxMessage.objects.values_list("payload", flat=True), key=str) == sorted(
        [{"task": "results.compute", "args": [failed.pk]}, {"task": "results.compute", "args": [old.pk]}], key=str
    )


def test_the_sweep_does_not_request_a_run_again_while_its_request_waits(broker_down):
    edition, venue, judges, entries = scenarios.scored_venue(entries=1)
    run = factories.ResultRunFactory(edition=edition, error="The task queue was unreachable")
    waiting = outbox.queue_task("results.compute", run.pk)

    for _ in range(3):
        runs.dispatch_waiting_runs()

    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [waiting.pk]


@pytest.mark.django_db(transaction=True)
def test_the_sweep_task_runs_the_waiting_runs():
    from results.tasks import dispatch_waiting_runs_task

    edition, venue, judges, entries = scenarios.scored_venue(entries=1)
    run = factories.ResultRunFactory(edition=edition, error="The task queue was unreachable")

    assert dispatch_waiting_runs_task.delay().get() == 1
    run.refresh_from_db()
    assert (run.status, run.error) == (ResultRun.Status.DONE, "")


@pytest.fixture
def own_redis(worker_env, monkeypatch):
    """A redis-server of this test's own on a free port (the shared one on 6379 is never stopped)."""
    need("redis-server", bool(shutil.which("redis-server")), "to stop and start a broker")
    port = free_port()
    process = start_redis(port)
    url = f"redis://127.0.0.1:{port}/0"
    monkeypatch.setenv("CELERY_BROKER_URL", url)  # Celery reads it before its configuration
    state = {"process": process, "port": port, "url": url}
    from portal.celery import app

    previous = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "task_default_queue")}
    app.conf.update(task_always_eager=False, broker_url=url, task_default_queue=worker_env["queue"])
    reset_connections()
    yield state
    app.conf.update(previous)
    reset_connections()
    stop(state["process"])


@pytest.mark.services
def test_redis_down_then_back_on_a_real_worker(own_redis, worker_env, client_for, tmp_path):
    edition, venue, judges, entries = scenarios.scored_venue()
    stop(own_redis["process"])  # Redis goes down

    response = submit_through_the_page(client_for(judges[2]), venue, entries[-1], judges[2])
    assert response.status_code == 302
    assert ScoreSheet.objects.get(entry=entries[-1], judge=judges[2]).status == ScoreSheet.Status.SUBMITTED
    response = client_for(judges[0]).post(reverse("scoring:sign_off", args=[venue.pk]))
    assert response.status_code == 302
    run = ResultRun.objects.get(edition=edition)
    assert (run.status, run.error != "") == (ResultRun.Status.QUEUED, True)

    own_redis["process"] = start_redis(own_redis["port"])  # Redis is back; the web process reconnects by itself
    env = {**worker_env["env"], "CELERY_BROKER_URL": own_redis["url"]}
    worker = start_worker(env, worker_env["queue"], worker_env["log"])
    try:
        assert runs.dispatch_waiting_runs() == 1
        wait_for(
            lambda: ResultRun.objects.get(pk=run.pk).status == ResultRun.Status.DONE,
            seconds=90,
            log_path=worker_env["log"],
        )
    finally:
        stop(worker)
    # 90/85/80 -> 85.00; 70/72/94 -> 78.67
    assert dict(Result.objects.values_list("entry_id", "final_score")) == {
        entries[0].pk: D("85.00"),
        entries[1].pk: D("78.67"),
    }


def read_mails(directory) -> list[tuple[list[str], str]]:
    """The e-mails the worker's file backend wrote: (recipients, subject) of each."""
    import email
    from email.header import decode_header, make_header

    found = []
    for path in sorted(directory.glob("*.log")) if directory.exists() else []:
        for raw in path.read_bytes().split(b"-" * 79 + b"\n"):
            if raw.strip():
                message = email.message_from_bytes(raw)
                to = sorted(address.strip() for address in message["To"].split(","))
                found.append((to, str(make_header(decode_header(message["Subject"])))))
    return found


@pytest.mark.services
def test_redis_stopped_while_judges_score_and_organisers_act_loses_nothing_and_fails_no_request(
    own_redis, worker_env, client_for, tmp_path
):
    from portal.tasks import send_outbox
    from results.models import AwardList, Publication
    from tests.submissions.test_signup import signup_data

    # Edition A is being judged: the last judge's sheet of its second entry and every sheet of a third are missing.
    edition, venue, judges, entries = scenarios.scored_venue()
    third = scenarios.entry(venue)
    # Edition B is computed and signed off, ready to publish.
    other, other_venue, other_judges, other_entries = scenarios.scored_venue()
    scenarios.score(other_entries[-1], other_judges[2], 74)
    other_venue.signed_off_at, other_venue.signed_off_by = timezone.now(), other_judges[0]
    other_venue.save()
    runs.execute_run(run=factories.ResultRunFactory(edition=other))
    organisers = sorted([edition.organisers.get().email, other.organisers.get().email])

    stop(own_redis["process"])  # Redis goes down
    answers = []

    def timed(request):
        started = time.monotonic()
        response = request()
        answers.append((response.status_code, time.monotonic() - started < 2))
        return response

    for judge in judges:
        timed(lambda judge=judge: submit_through_the_page(client_for(judge), venue, third, judge))
    timed(lambda: submit_through_the_page(client_for(judges[2]), venue, entries[-1], judges[2]))
    timed(lambda: client_for(judges[0]).post(reverse("scoring:sign_off", args=[venue.pk])))
    timed(lambda: client_for(edition.organisers.get()).post(reverse("results:compute", args=[edition.pk])))
    timed(lambda: Client(HTTP_ACCEPT_LANGUAGE="en").post(reverse("submissions:signup"), signup_data()))
    seen = {"fingerprint": runs.latest_done_run(other).fingerprint}
    timed(lambda: client_for(other.organisers.get()).post(reverse("results:publish", args=[other.pk]), seen))

    assert answers == [(302, True)] * 8  # no 500, none waited on the dead broker
    assert Enterprise.objects.filter(name="钱塘精工有限公司").count() == 1
    assert ScoreSheet.objects.filter(entry__venue=venue, status=ScoreSheet.Status.SUBMITTED).count() == 9
    assert Publication.objects.get(edition=other).version == 1
    run = ResultRun.objects.get(edition=edition)
    waiting = sorted(OutboxMessage.objects.waiting().values_list("kind", "payload__task"), key=str)
    assert waiting == sorted(
        [("email", None)] * 2
        + [("task", "results.compute"), ("task", "results.generate_certificates")]
        + [("task", "results.export_award_list")] * 5,
        key=str,
    )
    # the sign-up's notice to the organisers and its confirmation link to the person who signed up
    notice = OutboxMessage.objects.get(kind="email", payload__to=organisers).payload
    link = OutboxMessage.objects.get(kind="email", payload__to=["sun@qiantang.example"]).payload

    own_redis["process"] = start_redis(own_redis["port"])  # Redis is back
    env = {
        **worker_env["env"],
        "CELERY_BROKER_URL": own_redis["url"],
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    worker = start_worker(env, worker_env["queue"], worker_env["log"])
    try:
        send_outbox.apply_async()  # the beat's minute: the worker drains the outbox
        wait_for(
            lambda: (
                not OutboxMessage.objects.waiting().exists()
                and ResultRun.objects.get(pk=run.pk).status == ResultRun.Status.DONE
                and AwardList.objects.filter(status=AwardList.Status.DONE).count() == 5
            ),
            seconds=120,
            log_path=worker_env["log"],
        )
    finally:
        stop(worker)

    assert sorted(read_mails(tmp_path / "mail")) == sorted(
        [(organisers, notice["subject"]), (["sun@qiantang.example"], link["subject"])]
    )  # each sent once
    assert OutboxMessage.objects.filter(sent_at__isnull=False).count() == 9
    # 90/85/80 -> 85.00; 70/72/94 -> 78.67; 94/94/94 -> 94.00
    assert dict(Result.objects.filter(category__edition=edition).values_list("entry_id", "final_score")) == {
        entries[0].pk: D("85.00"),
        entries[1].pk: D("78.67"),
        third.pk: D("94.00"),
    }


# --- 2. a worker killed in the middle of a results run ---------------------------------------------


def outcome(edition):
    return sorted(
        Result.objects.filter(category__edition=edition).values_list(
            "entry_id", "final_score", "rank", "grade", "counted_sheets", "ranked"
        )
    )


@pytest.mark.services
def test_a_worker_killed_in_the_middle_of_a_run_is_replaced_and_the_results_equal_a_clean_run(
    own_redis,
    worker_env,
    tmp_path,
):
    first = scenarios.category(grades=[("标杆", "share", "0.5")], code="QC")
    edition = first.edition
    second = scenarios.category(edition, grades=[("标杆", "share", "0.3")], code="XD", name="质量信得过班组成果")
    for category in (first, second):
        venue, judges = scenarios.venue(category, judges=5)
        for n in range(6):
            scenarios.scored_entry(venue, judges, [90 - n, 88 - 2 * n, "86.5", 84 - n, 70 + n])
    clean_run = factories.ResultRunFactory(edition=edition)
    runs.execute_run(run=clean_run)
    clean = outcome(edition)
    Result.objects.all().delete()

    marker = tmp_path / "slow-store.pid"
    env = {
        **worker_env["env"],
        "CELERY_BROKER_URL": own_redis["url"],
        "FAULT_SLOW_STORE": str(marker),
    }
    worker = start_worker(
        env, worker_env["queue"], worker_env["log"], module=("tests.portal.fault_worker",), pool="prefork"
    )
    try:
        run = factories.ResultRunFactory(edition=edition)
        compute_results_task.apply_async(args=[run.pk], queue=worker_env["queue"])
        wait_for(lambda: marker.exists() and marker.read_text().strip(), seconds=60, log_path=worker_env["log"])
        # The first category is stored, the second is being stored: kill the process doing it.
        assert Result.objects.filter(category=first).count() == 6
        assert Result.objects.filter(category=second).count() == 0
        os.kill(int(marker.read_text()), signal.SIGKILL)
        wait_for(
            lambda: ResultRun.objects.get(pk=run.pk).status == ResultRun.Status.DONE,
            seconds=120,
            log_path=worker_env["log"],
        )
    finally:
        stop(worker)
    log = worker_env["log"].read_text()
    assert "WorkerLostError" in log or "SIGKILL" in log
    assert outcome(edition) == clean
    assert ResultRun.objects.get(pk=run.pk).progress == 100


@pytest.mark.services
def test_a_worker_killed_with_its_pool_in_the_middle_of_a_run_is_recovered_by_the_sweep_without_an_hours_wait(
    own_redis, worker_env, tmp_path, settings
):
    """The whole worker dies (kill -9 of the main process and of the pool process computing): nobody gives the
    message back, the broker would deliver it again only after its visibility timeout (an hour). The run stops
    giving signs of life; the sweep fails it once the stale limit (shortened here) has passed and queues another,
    which a new worker computes to the results of a clean run."""
    settings.RESULTS_RUN_STALE_SECONDS = 3
    first = scenarios.category(grades=[("标杆", "share", "0.5")], code="QC")
    edition = first.edition
    second = scenarios.category(edition, grades=[("标杆", "share", "0.3")], code="XD", name="质量信得过班组成果")
    for category in (first, second):
        venue, judges = scenarios.venue(category, judges=5)
        for n in range(6):
            scenarios.scored_entry(venue, judges, [90 - n, 88 - 2 * n, "86.5", 84 - n, 70 + n])
    runs.execute_run(run=factories.ResultRunFactory(edition=edition))
    clean = outcome(edition)
    Result.objects.all().delete()
    ResultRun.objects.all().delete()

    marker = tmp_path / "slow-store.pid"
    env = {**worker_env["env"], "CELERY_BROKER_URL": own_redis["url"], "FAULT_SLOW_STORE": str(marker)}
    worker = start_worker(
        env, worker_env["queue"], worker_env["log"], module=("tests.portal.fault_worker",), pool="prefork"
    )
    replacement = None
    try:
        run = runs.start_run(edition=edition, by=None, after_sign_off=True)  # sent on commit (autocommit)
        wait_for(lambda: marker.exists() and marker.read_text().strip(), seconds=60, log_path=worker_env["log"])
        assert Result.objects.filter(category=first).count() == 6
        assert Result.objects.filter(category=second).count() == 0
        os.kill(worker.pid, signal.SIGKILL)  # the main process first: nobody is left to give the message back
        os.kill(int(marker.read_text()), signal.SIGKILL)
        worker.wait(timeout=10)
        killed_at = timezone.now()
        assert ResultRun.objects.get(pk=run.pk).status == ResultRun.Status.RUNNING

        replacement = start_worker(
            env, worker_env["queue"], worker_env["log"], module=("tests.portal.fault_worker",), pool="prefork"
        )
        wait_for(lambda: runs.dispatch_waiting_runs() == 1, seconds=30, log_path=worker_env["log"])
        wait_for(
            lambda: ResultRun.objects.filter(edition=edition, status=ResultRun.Status.DONE).exists(),
            seconds=90,
            log_path=worker_env["log"],
        )
    finally:
        stop(worker)
        if replacement is not None:
            stop(replacement)
    assert timezone.now() - killed_at < timedelta(minutes=2)
    failed = ResultRun.objects.get(pk=run.pk)
    assert failed.status == ResultRun.Status.FAILED
    assert failed.error.startswith("The worker stopped giving signs of life for more than 1 minute (")
    again = ResultRun.objects.get(edition=edition, status=ResultRun.Status.DONE)
    assert (again.pk > run.pk, again.progress) == (True, 100)
    assert outcome(edition) == clean
    assert list(
        AuditEvent.objects.filter(edition=edition, target__in=[f"#{run.pk}", f"#{again.pk}"])
        .order_by("pk")
        .values_list("action", "target")
    ) == [
        (AuditEvent.Action.RESULTS_REQUESTED, f"#{run.pk}"),
        (AuditEvent.Action.RESULTS_FAILED, f"#{run.pk}"),
        (AuditEvent.Action.RESULTS_REQUESTED, f"#{again.pk}"),
        (AuditEvent.Action.RESULTS_COMPUTED, f"#{again.pk}"),
    ]


# --- 3. the database refusing a write in the middle of an import ----------------------------------


@pytest.fixture
def qc_edition(organiser):
    edition = factories.EditionFactory(year=2021)
    edition.organisers.add(organiser)
    factories.CategoryFactory(edition=edition, code="QC", name="QC小组成果")
    return edition


def refuse_the_nth_member(monkeypatch, n: int):
    """bulk_create writes members up to the n-th one, then the database refuses (as a full disk would)."""
    real = QuerySet.bulk_create

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if self.model is Member:
            real(self, objs[: n - 1], *args, **kwargs)
            raise OperationalError("could not extend file: No space left on device")
        return real(self, objs, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "bulk_create", bulk_create)


IMPORT_REFUSED = (
    "The database refused to save the list, so nothing was imported. "
    "Upload it again in a moment; if this happens again, tell the organiser."
)


def confirm_recommendations(client, edition, upload):
    """Upload the list (the preview writes nothing), then confirm its import."""
    url = reverse("submissions:recommendation_upload")
    preview = client.post(url, {"edition": edition.pk, "file": upload})
    return client.post(url, {"edition": edition.pk, "token": preview.context["confirm"]["token"].value()})


def test_an_import_refused_mid_write_saves_nothing_and_says_so(client_for, organiser, qc_edition, monkeypatch):
    enterprises = [factories.EnterpriseFactory() for _ in range(3)]
    upload = entries_workbook([entry_row(e, f"课题{n}", number=n) for n, e in enumerate(enterprises, start=1)])
    refuse_the_nth_member(monkeypatch, 5)

    response = confirm_recommendations(client_for(organiser), qc_edition, upload)

    assert response.status_code == 200
    assert response.context["confirm"].non_field_errors() == [IMPORT_REFUSED]
    assert (Entry.objects.count(), Member.objects.count(), EntryTransition.objects.count()) == (0, 0, 0)


def test_an_import_refused_by_a_database_trigger_saves_nothing(client_for, organiser, qc_edition):
    need("PostgreSQL", postgres_available(), "the trigger is PostgreSQL's")
    enterprises = [factories.EnterpriseFactory() for _ in range(3)]
    upload = entries_workbook([entry_row(e, f"课题{n}", number=n) for n, e in enumerate(enterprises, start=1)])
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION refuse_fifth_member() RETURNS trigger AS $$
            BEGIN
                IF (SELECT count(*) FROM submissions_member) >= 4 THEN
                    RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full';
                END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER refuse_fifth_member BEFORE INSERT ON submissions_member
                FOR EACH ROW EXECUTE FUNCTION refuse_fifth_member();
            """
        )

    response = confirm_recommendations(client_for(organiser), qc_edition, upload)

    assert response.status_code == 200
    assert response.context["confirm"].non_field_errors() == [IMPORT_REFUSED]
    assert (Entry.objects.count(), Member.objects.count(), EntryTransition.objects.count()) == (0, 0, 0)


def paper_sheets_file(venue, entry, judges):
    import io

    import openpyxl
    from django.core.files.uploadedfile import SimpleUploadedFile

    criteria = list(entry.rubric.criteria.order_by("position"))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["分会场", "成果编号", "评委", *[c.name for c in criteria], "备注"])
    for judge in judges:
        sheet.append([venue.name, entry.code, judge.email, *[float(c.max_points) - 1 for c in criteria], ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("纸质评分表.xlsx", buffer.getvalue())


def test_a_paper_sheet_import_refused_mid_write_saves_nothing_and_says_so(client_for, monkeypatch):
    category = scenarios.category()
    organiser = factories.OrganiserFactory()
    category.edition.organisers.add(organiser)
    venue, judges = scenarios.venue(category, judges=3)
    entry = scenarios.entry(venue)
    upload = paper_sheets_file(venue, entry, judges)
    real_bulk_create = QuerySet.bulk_create
    written = []

    def bulk_create(self, objs, *args, **kwargs):
        if self.model is SheetAudit:  # the last write: the sheets and their points are in by then
            raise OperationalError("deadlock detected")
        written.append(self.model)
        return real_bulk_create(self, objs, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "bulk_create", bulk_create)

    url = reverse("scoring:import_sheets", args=[category.edition_id])
    client = client_for(organiser)
    preview = client.post(url, {"file": upload})
    response = client.post(url, {"token": preview.context["confirm"]["token"].value()})

    assert response.status_code == 400
    assert response.context["confirm"].non_field_errors() == [
        "The database refused to save the sheets, so nothing was imported. Upload the file again in a moment."
    ]
    assert written == [ScoreSheet, CriterionScore]
    assert ScoreSheet.objects.filter(entry=entry).count() == 0
    assert not AuditEvent.objects.exists()


# --- the cache's Redis down: log-in, the judge's page and the public pages still work -------------------


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.ForgivingRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    yield
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def test_with_the_cache_down_a_judge_logs_in_and_submits_and_the_public_pages_render(client, cache_down, password):
    from django.core.cache import cache

    edition, venue, judges, entries = scenarios.scored_venue()
    assert cache.get("anything", "miss") == "miss"

    wrong = client.post(reverse("portal:login"), {"username": judges[2].email, "password": "wrong"})
    assert (wrong.status_code, wrong.context["form"].non_field_errors()) == (
        200,
        ["The e-mail address or the password is wrong. Both are case-sensitive."],
    )
    response = client.post(reverse("portal:login"), {"username": judges[2].email, "password": password})
    assert response.status_code == 302
    assert submit_through_the_page(client, venue, entries[-1], judges[2]).status_code == 302
    assert ScoreSheet.objects.get(entry=entries[-1], judge=judges[2]).status == ScoreSheet.Status.SUBMITTED

    client.logout()
    assert client.get(reverse("public:home")).status_code == 200
    assert client.get("/results/").status_code == 200


# --- the broker down when results are published and e-mails are sent ------------------------------------


def test_publishing_with_the_broker_down_publishes_and_the_award_lists_are_made_once_it_is_back(
    client_for, django_capture_on_commit_callbacks
):
    from results.models import AwardList, Publication

    edition, venue, judges, entries = scenarios.scored_venue()
    scenarios.score(entries[-1], judges[2], 74)
    venue.signed_off_at, venue.signed_off_by = timezone.now(), judges[0]
    venue.save()
    runs.execute_run(run=factories.ResultRunFactory(edition=edition))

    with broker(CLOSED_BROKER), django_capture_on_commit_callbacks(execute=True):
        response = client_for(edition.organisers.get()).post(
            reverse("results:publish", args=[edition.pk]), {"fingerprint": runs.latest_done_run(edition).fingerprint}
        )

    assert response.status_code == 302
    assert Publication.objects.get(edition=edition).version == 1
    lists = sorted(AwardList.objects.values_list("pk", flat=True))
    assert list(AwardList.objects.values_list("status", flat=True)) == [AwardList.Status.QUEUED] * 5
    waiting = OutboxMessage.objects.waiting()
    assert sorted(
        a for (a,) in waiting.filter(payload__task="results.export_award_list").values_list("payload__args")
    ) == [[pk] for pk in lists]
    assert waiting.filter(payload__task="results.generate_certificates").count() == 1

    with django_capture_on_commit_callbacks(execute=True):  # the broker is back (eager Celery): the beat drains
        assert outbox.drain() == {"sent": 6, "failed": 0}  # five lists and the certificates

    assert list(AwardList.objects.values_list("status", flat=True)) == [AwardList.Status.DONE] * 5
    assert not OutboxMessage.objects.waiting().exists()


def test_an_email_waits_while_the_broker_is_down_and_send_outbox_sends_it(
    broker_down, django_capture_on_commit_callbacks, mailoutbox
):
    from portal.mail import queue_email

    enterprise = factories.EnterpriseFactory(name="测试企业", status="approved")

    with django_capture_on_commit_callbacks(execute=True):
        queue_email(
            to=["x@example.com"], template="submissions/email/enterprise_reviewed", context={"enterprise": enterprise}
        )
    assert mailoutbox == []
    assert list(OutboxMessage.objects.values_list("last_error", "sent_at")) == [(BROKER_REFUSED, None)]

    out = io.StringIO()
    call_command("send_outbox", stdout=out)

    assert out.getvalue() == "Sent 1, failed 0; 0 waiting.\n"
    assert [(m.to, "测试企业" in m.body) for m in mailoutbox] == [(["x@example.com"], True)]
