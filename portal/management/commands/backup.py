"""`manage.py backup --output DIR`: the database and the uploaded files into a new directory (see README, Backups)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database (all rows) and MEDIA_ROOT into a new directory."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, type=Path, help="a new or empty directory")

    def handle(self, *args, output, **options):
        try:
            manifest = backup(output=output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backed up {sum(manifest['rows'].values())} rows and {manifest['media_files']} files into {output}"
        )
