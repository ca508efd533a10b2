"""The recommendation list's upload page: a preview that writes nothing, then the confirmation that imports."""

import re

import pytest
from django.urls import reverse

from portal.celery import app
from submissions.models import Entry, EntryTransition, Member
from tests import factories
from tests.scenarios import entries_workbook, entry_row
from tests.workers import reset_connections, start_worker, stop, wait_for

pytestmark = pytest.mark.django_db

URL = "submissions:recommendation_upload"


def counts():
    return (Entry.objects.count(), Member.objects.count(), EntryTransition.objects.count())


def upload(client, edition, rows):
    return client.post(reverse(URL), {"edition": edition.pk, "file": entries_workbook(rows)})


def confirm(client, response, **extra):
    form = response.context["confirm"]
    data = {"edition": form["edition"].value(), "token": form["token"].value(), **extra}
    return client.post(reverse(URL), {key: getattr(value, "pk", value) for key, value in data.items()})


def test_upload_shows_the_preview_and_writes_nothing(client_for, organiser, qc, edition, enterprise_a):
    response = upload(client_for(organiser), edition, [entry_row(enterprise_a, members="吴杰、徐丽、胡强")])
    assert response.status_code == 200
    assert counts() == (0, 0, 0)
    assert response.context["stage"] == "preview"
    [planned] = response.context["report"].valid
    assert (planned.row, planned.title, planned.enterprise_name, planned.members) == (
        2, "降低焊接缺陷率", enterprise_a.name, ["吴杰", "徐丽", "胡强"],
    )  # fmt: skip
    page = response.content.decode()
    assert 'id="import-preview" data-create="1" data-errors="0" data-existing="0"' in page
    assert re.search(r'<tr data-row="2" data-members="3">.*吴杰.*徐丽.*胡强', page)
    assert 'id="confirm"' in page


def test_confirm_imports_the_previewed_list(client_for, organiser, qc, edition, enterprise_a):
    client = client_for(organiser)
    response = confirm(client, upload(client, edition, [entry_row(enterprise_a)]))
    assert response.status_code == 200
    assert counts() == (1, 3, 1)
    assert (response.context["stage"], response.context["report"].created) == ("done", 1)
    assert [str(m) for m in response.context["messages"]] == ["1 entries imported as drafts."]
    assert Entry.objects.get().title == "降低焊接缺陷率"


def test_upload_lists_a_refused_row_with_its_reason(client_for, organiser, qc, edition, enterprise_a):
    response = upload(
        client_for(organiser), edition, [entry_row(enterprise_a), entry_row(enterprise_a, "坏", category="无")]
    )
    assert response.context["report"].errors == [(3, ["unknown category “无” (this edition has: QC小组成果)"])]
    page = response.content.decode()
    assert 'data-create="1" data-errors="1"' in page
    assert '<tr data-row="3"><td>3</td><td>unknown category “无” (this edition has: QC小组成果)</td></tr>' in page
    assert 'name="valid_rows_only"' in page
    assert counts() == (0, 0, 0)


def test_confirm_with_a_refused_row_imports_nothing_unless_told_valid_rows_only(
    client_for, organiser, qc, edition, enterprise_a
):
    client = client_for(organiser)
    preview = upload(client, edition, [entry_row(enterprise_a), entry_row(enterprise_a, "坏", category="无")])
    response = confirm(client, preview)
    assert counts() == (0, 0, 0)
    assert response.context["stage"] == "preview"
    assert [str(m) for m in response.context["messages"]] == [
        "Nothing was imported: correct the rows below, or import only the valid rows."
    ]
    response = confirm(client, response, valid_rows_only="on")
    assert counts() == (1, 3, 1)
    assert (response.context["stage"], response.context["report"].created) == ("done", 1)


def test_a_list_with_only_refused_rows_offers_no_confirmation(client_for, organiser, qc, edition, enterprise_a):
    response = upload(client_for(organiser), edition, [entry_row(enterprise_a, "坏", category="无")])
    assert 'id="confirm"' not in response.content.decode()
    assert [str(m) for m in response.context["messages"]] == [
        "Nothing can be imported: correct the rows below and upload the list again."
    ]


def test_upload_of_an_imported_list_says_it_is_skipped(client_for, organiser, qc, edition, enterprise_a):
    client = client_for(organiser)
    confirm(client, upload(client, edition, [entry_row(enterprise_a)]))
    response = upload(client, edition, [entry_row(enterprise_a)])
    assert 'data-create="0" data-errors="0" data-existing="1"' in response.content.decode()
    assert [str(m) for m in response.context["messages"]] == ["Nothing new to import."]
    assert 'id="confirm"' not in response.content.decode()


def test_a_second_confirm_writes_nothing_more(client_for, organiser, qc, edition, enterprise_a):
    client = client_for(organiser)
    preview = upload(client, edition, [entry_row(enterprise_a)])
    confirm(client, preview)
    response = confirm(client, preview)
    assert counts() == (1, 3, 1)
    assert response.context["confirm"].non_field_errors() == [
        "This file has already been imported, so nothing was written again. To import it again, upload it again."
    ]
    assert 'id="confirm-errors"' in response.content.decode()


def test_confirm_refuses_another_users_token(client_for, organiser, qc, edition, enterprise_a):
    preview = upload(client_for(organiser), edition, [entry_row(enterprise_a)])
    other = factories.OrganiserFactory()
    edition.organisers.add(other)
    response = confirm(client_for(other), preview)
    assert counts() == (0, 0, 0)
    assert response.context["confirm"].non_field_errors() == [
        "This file was checked for another user or another import. Upload it again."
    ]


def test_confirm_refuses_a_token_for_another_edition(client_for, organiser, qc, edition, enterprise_a):
    client = client_for(organiser)
    preview = upload(client, edition, [entry_row(enterprise_a)])
    other = factories.EditionFactory(status="open")
    other.organisers.add(organiser)
    factories.CategoryFactory(edition=other, code="QC", name="QC小组成果")
    response = confirm(client, preview, edition=other.pk)
    assert counts() == (0, 0, 0)
    assert response.context["confirm"].non_field_errors() == [
        "This file was checked for another user or another import. Upload it again."
    ]


def test_confirm_refuses_a_tampered_token(client_for, organiser, qc, edition, enterprise_a):
    client = client_for(organiser)
    preview = upload(client, edition, [entry_row(enterprise_a)])
    token = preview.context["confirm"]["token"].value()
    response = client.post(reverse(URL), {"edition": edition.pk, "token": token[:-3] + "xyz"})
    assert counts() == (0, 0, 0)
    assert response.context["confirm"].non_field_errors() == ["This confirmation is not valid. Upload the file again."]


def test_confirm_checks_the_list_again(client_for, organiser, qc, edition, enterprise_a):
    client = client_for(organiser)
    preview = upload(client, edition, [entry_row(enterprise_a)])
    enterprise_a.status = "pending"
    enterprise_a.save(update_fields=["status"])
    response = confirm(client, preview)
    assert counts() == (0, 0, 0)
    assert [number for number, _reasons in response.context["report"].errors] == [2]


@pytest.mark.parametrize("who", ["user_a", "judge"])
def test_confirm_refuses_other_roles(client_for, request, who, organiser, qc, edition, enterprise_a):
    preview = upload(client_for(organiser), edition, [entry_row(enterprise_a)])
    token = preview.context["confirm"]["token"].value()
    response = client_for(request.getfixturevalue(who)).post(reverse(URL), {"edition": edition.pk, "token": token})
    assert response.status_code == 403
    assert counts() == (0, 0, 0)


# --- a large list, imported by the worker -------------------------------------------------------------------


def test_a_list_over_the_background_limit_is_imported_by_the_worker_and_the_page_shows_the_outcome(
    client_for, organiser, qc, edition, enterprise_a, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 1
    client = client_for(organiser)
    preview = upload(client, edition, [entry_row(enterprise_a, "甲"), entry_row(enterprise_a, "乙")])
    with django_capture_on_commit_callbacks(execute=False) as sent:
        response = confirm(client, preview)
    job = response["Location"].split("?job=")[1]
    assert response["Location"] == f"{reverse(URL)}?job={job}"
    # the job's record and its task request leave with the request's commit
    assert (len(sent), counts()) == (2, (0, 0, 0))
    with django_capture_on_commit_callbacks(execute=True):
        for callback in sent:  # the commit: the task is sent, and the worker (eager here) runs it
            callback()
    assert counts() == (2, 6, 2)
    done = {"state": "done", "progress": 100, "level": "success", "messages": ["2 entries imported as drafts."]}
    assert client.get(response["Location"], HTTP_ACCEPT="application/json").json() == done
    page = client.get(response["Location"])
    assert page.context["job"] == done
    assert "data-import-job-url" not in page.content.decode()
    assert "2 entries imported as drafts." in page.content.decode()


def test_a_background_import_with_a_row_gone_bad_writes_nothing_and_lists_the_row(
    client_for, organiser, qc, edition, enterprise_a, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 1
    client = client_for(organiser)
    preview = upload(client, edition, [entry_row(enterprise_a, "甲"), entry_row(enterprise_a, "乙")])
    enterprise_a.status = "pending"
    enterprise_a.save(update_fields=["status"])
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client, preview)
    assert counts() == (0, 0, 0)
    job = client.get(response["Location"], HTTP_ACCEPT="application/json").json()
    assert (job["state"], job["level"]) == ("failed", "error")
    assert job["messages"][0] == "Nothing can be imported: correct the rows below and upload the list again."
    assert [message.split(":")[0] for message in job["messages"][1:]] == ["Row 2", "Row 3"]


def test_a_list_within_the_background_limit_is_imported_in_the_request(
    client_for, organiser, qc, edition, enterprise_a, settings
):
    settings.IMPORT_BACKGROUND_ROWS = 2
    client = client_for(organiser)
    response = confirm(client, upload(client, edition, [entry_row(enterprise_a, "甲"), entry_row(enterprise_a, "乙")]))
    assert (response.status_code, response.context["stage"], counts()) == (200, "done", (2, 6, 2))


def test_a_background_import_is_shown_to_its_own_user_only(
    client_for, organiser, qc, edition, enterprise_a, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 1
    client = client_for(organiser)
    preview = upload(client, edition, [entry_row(enterprise_a, "甲"), entry_row(enterprise_a, "乙")])
    with django_capture_on_commit_callbacks(execute=True):
        location = confirm(client, preview)["Location"]
    other = factories.OrganiserFactory()
    edition.organisers.add(other)
    assert client_for(other).get(location).status_code == 404
    assert client_for(other).get(location, HTTP_ACCEPT="application/json").status_code == 404
    assert client_for(organiser).get(f"{reverse(URL)}?job=0123").status_code == 404


@pytest.mark.services
def test_a_large_list_is_imported_on_a_real_worker_and_its_page_follows_it(
    worker_env, client_for, organiser, qc, edition, enterprise_a, settings
):
    # The web and the worker share a Redis cache, as in production (the worker fixture gives it none).
    redis_cache = {"BACKEND": "portal.cache.ForgivingRedisCache", "LOCATION": worker_env["broker"]}
    worker_env["env"]["REDIS_URL"] = worker_env["broker"]
    settings.CACHES = {"default": redis_cache}
    settings.IMPORT_BACKGROUND_ROWS = 1
    previous = {key: app.conf[key] for key in ("task_always_eager", "broker_url", "task_default_queue")}
    app.conf.update(task_always_eager=False, broker_url=worker_env["broker"], task_default_queue=worker_env["queue"])
    reset_connections()
    process = None
    try:
        client = client_for(organiser)
        preview = upload(client, edition, [entry_row(enterprise_a, "甲"), entry_row(enterprise_a, "乙")])
        location = confirm(client, preview)["Location"]
        # No worker yet: the task waits in the queue and the page shows the job queued, polling it.
        page = client.get(location)
        assert page.context["job"] == {"state": "queued", "progress": 0, "level": "", "messages": []}
        assert f'data-import-job-url="{location}"' in page.content.decode()
        assert counts() == (0, 0, 0)
        process = start_worker(worker_env["env"], worker_env["queue"], worker_env["log"])

        def over():
            return client.get(location, HTTP_ACCEPT="application/json").json()["state"] in ("done", "failed")

        wait_for(over, seconds=90, log_path=worker_env["log"])
    finally:
        app.conf.update(previous)
        reset_connections()
        if process is not None:
            stop(process, timeout=30)
    assert client.get(location, HTTP_ACCEPT="application/json").json() == {
        "state": "done", "progress": 100, "level": "success", "messages": ["2 entries imported as drafts."],
    }  # fmt: skip
    assert counts() == (2, 6, 2)
    assert "Task submissions.import_recommendations" in worker_env["log"].read_text()
