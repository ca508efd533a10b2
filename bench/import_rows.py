"""Benchmark: importing a recommendation workbook of 10,000 rows (the import's limit) in one request's work, as
rows per second. Runs in a transaction that is rolled back, so the database is left as it was.

Usage: `python bench/import_rows.py` (bench/run.py calls it against the bench database; any migrated database
named by DATABASE_URL will do)."""

import time

from common import answer, setup

ROWS = 10_000


def main():
    setup()
    from django.db import transaction

    from submissions import imports
    from submissions.models import Entry, Member
    from submissions.validators import example_credit_code
    from tests import factories
    from tests.scenarios import entries_workbook, entry_row

    with transaction.atomic():
        edition = factories.EditionFactory(name="导入基准", number=9999, year=2021)
        factories.CategoryFactory(edition=edition, code="QC", name="QC小组成果")  # the rows' category
        organiser = factories.OrganiserFactory(email="import-bench@example.com")
        edition.organisers.add(organiser)
        enterprises = [  # credit codes of their own, not the scale edition's
            factories.EnterpriseFactory(credit_code=example_credit_code(n, prefix="91999999")) for n in range(50)
        ]
        rows = [entry_row(enterprises[n % 50], f"成果{n:05d}", number=n + 1) for n in range(ROWS)]
        upload = entries_workbook(rows)
        started = time.perf_counter()
        report = imports.import_recommendations(upload=upload, edition=edition, by=organiser)
        seconds = time.perf_counter() - started
        entries = Entry.objects.filter(edition=edition).count()
        members = Member.objects.filter(entry__edition=edition).count()
        transaction.set_rollback(True)
    answer(
        {
            "rows": report.rows,
            "created": report.created,
            "errors": len(report.errors),
            "entries": entries,
            "members": members,
            "seconds": seconds,
            "rows_per_second": report.rows / seconds,
        }
    )
    print(f"{report.created} of {report.rows} rows imported in {seconds:.1f} s: {report.rows / seconds:.0f} rows/s")


if __name__ == "__main__":
    main()
