"""Compute an edition's results now, in this process (for operators; organisers use the dashboard)."""

from django.core.management.base import BaseCommand, CommandError

from events.models import Edition
from results.models import Result, ResultRun
from results.runs import execute_run


class Command(BaseCommand):
    help = "Compute the results of an edition: scores, ranks and grades of every accepted entry."

    def add_arguments(self, parser):
        parser.add_argument("edition", type=int, help="The edition's id.")

    def handle(self, *args, edition, **options):
        target = Edition.objects.filter(pk=edition).first()
        if target is None:
            raise CommandError(f"There is no edition with id {edition}.")
        # A run still waiting for a worker is carried out here (the worker then finds it done).
        run = ResultRun.objects.filter(edition=target, status=ResultRun.Status.QUEUED).first()
        run = run or ResultRun.objects.create(edition=target)
        try:
            execute_run(run=run)
        except Exception as error:
            raise CommandError(f"The computation failed: {run.error or error}") from error
        results = Result.objects.filter(category__edition=target)
        self.stdout.write(
            self.style.SUCCESS(
                f"{target}: {results.count()} results, {results.filter(ranked=True).count()} ranked, "
                f"{results.exclude(grade='').count()} graded (run {run.pk}, fingerprint {run.fingerprint[:12]})."
            )
        )
