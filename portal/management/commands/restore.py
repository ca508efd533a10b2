"""`manage.py restore DIR`: a backup into an EMPTY database and MEDIA_ROOT (see README, Backups)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into an empty database and an empty MEDIA_ROOT."

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path, help="the backup's directory")

    def handle(self, *args, source, **options):
        try:
            counts = restore(source=source)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored {sum(counts.values())} rows and the files from {source}")
