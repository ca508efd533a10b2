"""Benchmark 3c: the certificates of 2,000 awarded entries of the scale edition's publication, printed as the worker
prints a category's (one PDF, a page each, with its QR code, and the list, zipped), in this process alone so that
its peak RSS is the printing's. Nothing is written to the database: the certificates are built unsaved from the
publication's graded rows, with the codes and numbers issuing would give them.

Both wall-clock and CPU seconds are given: on a shared machine the CPU time is the steadier figure.
The baseline is the way the bulk path avoids: one document per certificate (what an enterprise's single download
does), measured over BASELINE_SAMPLE certificates and scaled to the same count.

Usage: certificates.py [COUNT]  (default 2000)."""

import sys
import tempfile
import time

from common import answer, current_rss_mb, peak_rss_mb, scale_edition, setup

BASELINE_SAMPLE = 20


def build(publication, count):
    from django.utils import timezone

    from results import certificates
    from results.models import Certificate

    template = certificates.template_of(publication.edition)
    taken = set()
    built = []
    for n, row in enumerate(certificates.awarded_rows(publication).select_related("entry")[:count], start=1):
        built.append(
            Certificate(
                edition=publication.edition,
                category=row.category,
                entry=row.entry,
                publication=publication,
                sequence=n,
                number=certificates.format_number(
                    template.number_pattern, year=publication.edition.year, category_code=row.category.code, n=n
                ),
                code=certificates.new_code(taken),
                grade=row.grade,
                title=row.title,
                group_name=row.group_name,
                enterprise_name=row.enterprise_name,
                category_name=row.category.name,
                edition_name=publication.edition.name,
                issued_on=timezone.localdate(),
            )
        )
    return template, built


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    setup()
    from results import certificates

    edition = scale_edition()
    publication = edition.publications.order_by("-version").first()
    template, built = build(publication, count)
    if len(built) < count:
        raise SystemExit(f"the publication has {len(built)} awarded entries, fewer than {count}")
    before = current_rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    with tempfile.TemporaryFile() as handle:
        pages = certificates.write_category_zip(
            template=template, category=built[0].category, certificates=built, target=handle
        )
        size = handle.tell()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    peak = peak_rss_mb()

    started, cpu = time.perf_counter(), time.process_time()
    for certificate in built[:BASELINE_SAMPLE]:
        printer = certificates.Printer(template, title=certificate.number)
        printer.page(certificate)
        printer.output()
    one_each = (time.perf_counter() - started) / BASELINE_SAMPLE
    one_each_cpu = (time.process_time() - cpu) / BASELINE_SAMPLE
    answer(
        {
            "certificates": pages,
            "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            "per_certificate_ms": 1000 * seconds / pages,
            "zip_bytes": size,
            "peak_rss_mb": peak,
            "rss_before_mb": before,
            "baseline_one_document_each_seconds": one_each * pages,
            "baseline_one_document_each_cpu_seconds": one_each_cpu * pages,
            "baseline_sample": BASELINE_SAMPLE,
        }
    )


if __name__ == "__main__":
    main()
