"""Write an edition's award list to a file: .xlsx (a sheet per category and a summary) or .csv."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from events.models import Edition
from results.award_lists import write_csv, write_xlsx


class Command(BaseCommand):
    help = "Export the award list of an edition (its newest publication, or the provisional results)."

    def add_arguments(self, parser):
        parser.add_argument("edition", type=int, help="The edition's id.")
        parser.add_argument("--output", required=True, help="The file to write: .xlsx or .csv.")
        parser.add_argument(
            "--provisional",
            action="store_true",
            help="Export the current computed results even when the edition has a publication.",
        )

    def handle(self, *args, edition, output, provisional, **options):
        target = Edition.objects.filter(pk=edition).first()
        if target is None:
            raise CommandError(f"There is no edition with id {edition}.")
        path = Path(output)
        suffix = path.suffix.lower()
        if suffix not in {".xlsx", ".csv"}:
            raise CommandError("The output file must end in .xlsx or .csv.")
        publication = None if provisional else target.publications.order_by("-version").first()
        try:
            if suffix == ".csv":
                with path.open("w", encoding="utf-8", newline="") as handle:
                    rows = write_csv(edition=target, publication=publication, target=handle)
            else:
                rows = write_xlsx(edition=target, publication=publication, target=str(path))
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error}") from error
        source = f"publication v{publication.version}" if publication else "provisional results"
        self.stdout.write(self.style.SUCCESS(f"{path}: {rows} ranked entries from the {source}."))
