"""Benchmark 3: the award list of the scale edition's publication (20,000 rows) as .xlsx or .csv, in this process
alone, so that its peak RSS is the export's. Usage: export.py xlsx|csv OUTPUT."""

import sys
import time

from common import answer, current_rss_mb, peak_rss_mb, scale_edition, setup


def main():
    fmt, output = sys.argv[1], sys.argv[2]
    setup()
    from results.award_lists import write_csv, write_xlsx

    edition = scale_edition()
    publication = edition.publications.order_by("-version").first()
    before = current_rss_mb()
    started = time.perf_counter()
    if fmt == "csv":
        with open(output, "w", encoding="utf-8", newline="") as handle:
            rows = write_csv(edition=edition, publication=publication, target=handle)
    else:
        rows = write_xlsx(edition=edition, publication=publication, target=output)
    seconds = time.perf_counter() - started
    answer({"format": fmt, "rows": rows, "seconds": seconds, "peak_rss_mb": peak_rss_mb(), "rss_before_mb": before})


if __name__ == "__main__":
    main()
