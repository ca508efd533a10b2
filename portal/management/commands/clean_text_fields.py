"""`manage.py clean_text_fields`: drop control and invisible format characters from the text of rows saved before
the portal cleaned text at input (portal/text.py). Safe to run again: clean rows are not touched."""

from django.core.management.base import BaseCommand

from portal.text import clean_stored_text


class Command(BaseCommand):
    help = "Clean the free text saved before text was cleaned at input (control and invisible format characters)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only count the rows that would change")

    def handle(self, *args, dry_run, **options):
        report = clean_stored_text(write=not dry_run)
        verb = "Would clean" if dry_run else "Cleaned"
        for label, rows in sorted(report.cleaned.items()):
            self.stdout.write(f"{label}: {rows}")
        for label, pk in report.left:
            self.stdout.write(f"{label} {pk}: left as it is, its cleaned text is another row's (rename it)")
        self.stdout.write(f"{verb} {sum(report.cleaned.values())} rows.")
