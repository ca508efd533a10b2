"""Write an edition's list to a file: .xlsx (a sheet per category and a summary), .pdf or .csv; the full ranking of
every ranked entry (全部成果排名), or with --awarded the award list (获奖名单)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from events.models import Edition
from results.award_lists import write_csv, write_pdf, write_xlsx


class Command(BaseCommand):
    help = "Export the award list of an edition (its newest publication, or the provisional results)."

    def add_arguments(self, parser):
        parser.add_argument("edition", type=int, help="The edition's id.")
        parser.add_argument("--output", required=True, help="The file to write: .xlsx, .pdf or .csv.")
        parser.add_argument(
            "--awarded",
            action="store_true",
            help="The award list (the awarded entries by grade) instead of the full ranking of every entry.",
        )
        parser.add_argument(
            "--provisional",
            action="store_true",
            help="Export the current computed results even when the edition has a publication.",
        )

    def handle(self, *args, edition, output, provisional, awarded, **options):
        target = Edition.objects.filter(pk=edition).first()
        if target is None:
            raise CommandError(f"There is no edition with id {edition}.")
        path = Path(output)
        suffix = path.suffix.lower()
        if suffix not in {".xlsx", ".csv", ".pdf"}:
            raise CommandError("The output file must end in .xlsx, .pdf or .csv.")
        publication = None if provisional else target.publications.order_by("-version").first()
        try:
            if suffix == ".csv":
                with path.open("w", encoding="utf-8", newline="") as handle:
                    rows = write_csv(edition=target, publication=publication, target=handle, awarded_only=awarded)
            elif suffix == ".pdf":
                with path.open("wb") as handle:
                    rows = write_pdf(edition=target, publication=publication, target=handle, awarded_only=awarded)
            else:
                rows = write_xlsx(edition=target, publication=publication, target=str(path), awarded_only=awarded)
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error}") from error
        source = f"publication v{publication.version}" if publication else "provisional results"
        kind = "awarded" if awarded else "ranked"
        self.stdout.write(self.style.SUCCESS(f"{path}: {rows} {kind} entries from the {source}."))
