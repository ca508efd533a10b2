"""Generate a national-scale edition for benchmarks (the generator is demo.scale): by default 20,000 entries in the
three standard categories over 400 venues, 7 judges per venue, every sheet submitted with 6 criterion scores.

It refuses a database that holds real data (demo.guard): the benchmark runs it on a database of its own.
"""

import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from demo.guard import refuse_real_data
from demo.scale import CATEGORIES, EDITION_NAME, EDITION_YEAR, Generator, ScaleError
from events.models import Edition


class Command(BaseCommand):
    help = (
        "Generate a national-scale edition for benchmarks (20,000 entries, 400 venues, 7 judges per venue, "
        "every sheet submitted). Adds rows only, never changes another edition, refuses to run twice and refuses "
        "a database that holds real data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--entries", type=int, default=20_000, help="Entries over the three categories.")
        parser.add_argument("--venues", type=int, default=400, help="Venues over the three categories.")
        parser.add_argument("--judges", type=int, default=7, help="Judges on each venue's panel.")
        parser.add_argument("--enterprises", type=int, help="Applicant enterprises (default: one per 7 entries).")
        parser.add_argument("--seed", type=int, default=2026, help="Seed of the random generator.")
        parser.add_argument("--name", default=EDITION_NAME, help="The edition's name.")
        parser.add_argument("--year", type=int, default=EDITION_YEAR, help="The edition's year.")

    def handle(self, *args, **options):
        entries, venues, judges = options["entries"], options["venues"], options["judges"]
        enterprises = options["enterprises"] or max(1, entries // 7)
        if venues < len(CATEGORIES):
            raise CommandError(f"Give at least {len(CATEGORIES)} venues: one per category.")
        if entries < venues:
            raise CommandError("Give at least as many entries as venues.")
        if judges < 3:
            raise CommandError("Give at least 3 judges per venue (a category's minimum number of sheets).")
        if enterprises < 1:
            raise CommandError("Give at least one enterprise.")
        refuse_real_data("seed_scale")
        existing = Edition.objects.filter(name=options["name"], year=options["year"]).first()
        if existing is not None:
            raise CommandError(
                f"The edition “{existing.name}” ({existing.year}, id {existing.pk}) is already there: seed_scale "
                "adds it once. Reset the benchmark database (bench/run.py does) or give another --name."
            )
        started = time.monotonic()
        try:
            with transaction.atomic():
                edition, counts = Generator().generate(
                    name=options["name"],
                    year=options["year"],
                    entries=entries,
                    venues=venues,
                    judges=judges,
                    enterprises=enterprises,
                    rng=random.Random(options["seed"]),
                )
        except ScaleError as error:
            raise CommandError(str(error)) from error
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Edition {edition.pk} “{edition.name}”: {counts.entries} entries, {counts.venues} venues, "
                f"{counts.enterprises} enterprises, {counts.users} users, {counts.members} members, "
                f"{counts.sheets} sheets, {counts.scores} criterion scores, {counts.recusals} recusals "
                f"in {elapsed:.1f} s."
            )
        )
