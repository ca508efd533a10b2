"""Backups: `manage.py backup` of a populated portal, `manage.py restore` into an EMPTY database and media
directory, and the same results, users and file bytes there."""

import json
import os
import subprocess
import sys
import threading
import time
import uuid

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction

from portal import backup
from results import publication as publishing
from results import runs
from results.models import AwardList, Result
from submissions.models import Entry, Member
from tests import factories, scenarios
from tests.conftest import need, postgres_available
from tests.portal.backup_snapshot import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def populated(organiser, django_capture_on_commit_callbacks):
    category = scenarios.category(grades=[("标杆", "share", "0.5")])
    edition = category.edition
    edition.organisers.add(organiser)
    venue, judges = scenarios.venue(category, judges=5, signed_off=True)
    entries = [scenarios.scored_entry(venue, judges, [90 - n, 88 - n, "86.5", 84 - n, 70]) for n in range(4)]
    factories.EntryFileFactory(
        entry=entries[0], original_name="成果报告.pdf", file__data=b"%PDF-1.7\n" + bytes(range(256))
    )
    runs.execute_run(run=factories.ResultRunFactory(edition=edition, started_by=organiser))
    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish_results(edition=edition, by=organiser)  # and its award lists, as files
    # the organisers' lists and the public's
    assert Result.objects.count() == 4 and AwardList.objects.exclude(file="").count() == 5
    return edition


def empty_database(tmp_path, request) -> str:
    """The URL of a new, empty database of the same engine as the test database (dropped at the end)."""
    if not postgres_available():
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    db = connection.settings_dict
    name = f"{db['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    server = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    import psycopg2

    def run(sql):
        admin = psycopg2.connect(f"{server}/postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(sql)
        admin.close()

    run(f'CREATE DATABASE "{name}"')
    request.addfinalizer(lambda: run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return f"{server}/{name}"


def manage(*args, database_url, media_root):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media_root),
        "CELERY_BROKER_URL": "",
        "REDIS_URL": "",
        "DB_CONN_MAX_AGE": "0",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_backup_restored_into_an_empty_database_has_the_same_results_and_files(populated, tmp_path, request):
    before = snapshot()
    call_command("backup", output=str(tmp_path / "backup"))
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    # the report, the four award lists (the organisers' and the public's) and the category's certificates (a zip)
    assert (manifest["rows"]["results.result"], manifest["media_files"]) == (4, 7)
    assert (manifest["rows"]["results.certificate"], manifest["rows"]["results.certificatearchive"]) == (2, 1)

    target = empty_database(tmp_path, request)
    media = tmp_path / "restored-media"
    restored = manage("restore", str(tmp_path / "backup"), database_url=target, media_root=media)
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.startswith(f"Restored {sum(manifest['rows'].values())} rows")

    check = manage(
        "shell",
        "-c",
        "from tests.portal.backup_snapshot import snapshot; print(snapshot())",
        database_url=target,
        media_root=media,
    )
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout.strip().splitlines()[-1]) == json.loads(before), check.stdout[:2000]


def test_restore_refuses_a_database_that_is_not_empty(populated, tmp_path):
    call_command("backup", output=str(tmp_path / "backup"))
    with pytest.raises(CommandError, match="The database is not empty"):
        call_command("restore", str(tmp_path / "backup"))


def test_restore_refuses_a_damaged_backup(populated, tmp_path):
    call_command("backup", output=str(tmp_path / "backup"))
    dump = tmp_path / "backup" / backup.DATABASE_FILE
    dump.write_bytes(dump.read_bytes()[:-10])
    with pytest.raises(CommandError, match="database.json.gz is damaged"):
        call_command("restore", str(tmp_path / "backup"))


def test_backup_refuses_a_directory_that_is_not_empty(populated, tmp_path):
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "old.txt").write_text("x")
    with pytest.raises(CommandError, match="is not empty"):
        call_command("backup", output=str(tmp_path / "backup"))


@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_while_entries_are_added_restores_with_the_counts_of_its_snapshot(tmp_path, request):
    """Under READ COMMITTED each query of the backup saw the rows of its own moment: members dumped without their
    entry, counts that were not the dump's, and a restore that refused the backup."""
    need("PostgreSQL", postgres_available(), "SQLite lets no one write while the backup reads")
    category = factories.CategoryFactory()
    enterprise = factories.EnterpriseFactory()
    stop, written, failures = threading.Event(), [], []

    def keep_adding_entries():
        try:
            while not stop.is_set():
                with transaction.atomic():
                    entry = factories.EntryFactory(category=category, enterprise=enterprise)
                    factories.MemberFactory(entry=entry, is_leader=True)
                    factories.MemberFactory(entry=entry)
                written.append(entry.pk)
        except Exception as error:  # reported by the test below
            failures.append(error)
        finally:
            connections.close_all()

    writer = threading.Thread(target=keep_adding_entries)
    writer.start()
    try:
        while len(written) < 20 and writer.is_alive():
            time.sleep(0.01)
        manifest = backup.backup(output=tmp_path / "backup")
        during = len(written)
        time.sleep(0.2)
    finally:
        stop.set()
        writer.join()
    assert failures == []
    rows = manifest["rows"]
    assert 20 <= rows["submissions.entry"] <= during < len(written)  # the writer went on during and after
    assert rows["submissions.member"] == 2 * rows["submissions.entry"]

    target = empty_database(tmp_path, request)
    restored = manage("restore", str(tmp_path / "backup"), database_url=target, media_root=tmp_path / "media")
    assert restored.returncode == 0, restored.stderr
    counts = manage(
        "shell",
        "-c",
        "import json; from portal.backup import row_counts; print(json.dumps(row_counts()))",
        database_url=target,
        media_root=tmp_path / "media",
    )
    assert counts.returncode == 0, counts.stderr
    assert json.loads(counts.stdout.strip().splitlines()[-1]) == rows
    assert (Entry.objects.count(), Member.objects.count()) == (len(written), 2 * len(written))
