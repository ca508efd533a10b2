"""Backing up and restoring everything the portal keeps: the database and the uploaded files.

A backup is a directory with three files:
- database.json.gz: every row (Django's dumpdata, natural foreign keys), readable by any supported database;
- media.tar.gz: MEDIA_ROOT (entry files, award lists), with paths relative to it;
- manifest.json: when, the migrations it was taken at, the rows per model and the files' SHA-256.
`restore` checks the manifest, migrates an EMPTY database, loads the rows and unpacks the files.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

DATABASE_FILE = "database.json.gz"
MEDIA_FILE = "media.tar.gz"
MANIFEST_FILE = "manifest.json"
# Rebuilt by `migrate` on the empty database (content types, permissions) or not worth keeping (sessions, the
# log-in throttle's attempts of the last minutes, which log-ins during the backup would change).
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "portal.loginattempt"]
FORMAT = 1


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message says why."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label not in EXCLUDED and model._meta.label_lower not in EXCLUDED
    ]


def row_counts() -> dict[str, int]:
    return {model._meta.label_lower: model._default_manager.count() for model in _models()}


def _migrations() -> dict[str, str]:
    latest = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


def _one_snapshot(*, outer: bool) -> None:
    """Make every read of the transaction just begun see the database as it was at its first read.

    PostgreSQL's default isolation, READ COMMITTED, gives each query its own snapshot: while the portal is in use,
    the counts, then each model's rows, would be read at different moments (a member dumped without its entry, a
    count that is not the dump's), and the restore refuses such a backup. REPEATABLE READ (read only) holds one
    snapshot for the whole transaction, without blocking any writer. SQLite's transaction already reads one
    snapshot (writers wait, or write to its WAL unseen). Inside a caller's transaction (a test's) the isolation is the
    caller's: it can no longer be chosen."""
    if connection.vendor == "postgresql" and not outer:
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


def backup(*, output: Path) -> dict:
    """Write a backup into `output` (a new or empty directory); returns its manifest."""
    output = Path(output)
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise BackupError("The database has unapplied migrations: run `manage.py migrate` first.")
    if output.exists() and any(output.iterdir()):
        raise BackupError(f"{output} is not empty: choose a new directory for the backup.")
    output.mkdir(parents=True, exist_ok=True)
    database = output / DATABASE_FILE
    outer = connection.in_atomic_block
    with transaction.atomic():
        _one_snapshot(outer=outer)
        migrations = _migrations()
        counts = row_counts()
        call_command(
            "dumpdata",
            natural_foreign=True,
            exclude=EXCLUDED,
            indent=None,
            output=str(database),
            verbosity=0,
        )
    media_root = Path(settings.MEDIA_ROOT)
    media = output / MEDIA_FILE
    files = 0
    with tarfile.open(media, "w:gz") as archive:
        if media_root.is_dir():
            for path in sorted(media_root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    archive.add(path, arcname=str(path.relative_to(media_root)), recursive=False)
                    files += 1
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "database_engine": connection.vendor,
        "migrations": migrations,
        "rows": counts,
        "media_files": files,
        "sha256": {DATABASE_FILE: _sha256(database), MEDIA_FILE: _sha256(media)},
    }
    (output / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return manifest


def read_manifest(source: Path) -> dict:
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{source} holds no {MANIFEST_FILE}: it is not a backup made by `manage.py backup`.")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    for name, expected in manifest["sha256"].items():
        path = source / name
        if not path.is_file():
            raise BackupError(f"{path} is missing.")
        if _sha256(path) != expected:
            raise BackupError(f"{path} is damaged: its SHA-256 differs from the manifest's.")
    return manifest


def restore(*, source: Path) -> dict:
    """Restore a backup into an empty database and an empty MEDIA_ROOT; returns the rows per model restored."""
    source = Path(source)
    manifest = read_manifest(source)
    call_command("migrate", interactive=False, verbosity=0)
    filled = {label: n for label, n in row_counts().items() if n}
    if filled:
        raise BackupError(
            "The database is not empty (" + ", ".join(f"{label}: {n}" for label, n in sorted(filled.items())) + "). "
            "Restore into a new, empty database."
        )
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.is_dir() and any(path.is_file() for path in media_root.rglob("*")):
        raise BackupError(f"MEDIA_ROOT ({media_root}) already holds files. Restore into an empty directory.")
    with transaction.atomic():
        call_command("loaddata", str(source / DATABASE_FILE), verbosity=0)
        counts = row_counts()
        different = {
            label: (expected, counts.get(label, 0))
            for label, expected in manifest["rows"].items()
            if counts.get(label, 0) != expected
        }
        if different:
            raise BackupError(
                "The restored rows differ from the backup's: "
                + ", ".join(f"{label} {a} → {b}" for label, (a, b) in sorted(different.items()))
            )
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / MEDIA_FILE, "r:gz") as archive:
        archive.extractall(media_root, filter="data")
    return counts
