"""Benchmark: what parsing an upload in a child process (portal.spreadsheets.parse_rows) costs over parsing it in
the web process, per call: on a two-row workbook (the child's start: Python and openpyxl's import, no Django) and on
a recommendation workbook of 10,000 rows (the import's limit). A figure without a budget; no database is used.

Usage: `python bench/parse_overhead.py`."""

import io
import itertools
import statistics
import time

from common import answer, setup

CALLS = 5


def median_seconds(call) -> float:
    times = []
    for _ in range(CALLS):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main():
    setup()
    import openpyxl

    from portal import spreadsheets
    from submissions import imports
    from tests.scenarios import entries_workbook, entry_row
    from tests.spreadsheet_files import workbook

    def in_process(upload, max_rows):
        book = openpyxl.load_workbook(io.BytesIO(upload.read()), read_only=True, data_only=True)
        upload.seek(0)
        rows = list(itertools.islice(book.worksheets[0].iter_rows(values_only=True), max_rows))
        book.close()
        return rows

    class Enterprise:  # entry_row reads a name and a credit code
        name, credit_code = "基准企业", "91110000000000000X"

    figures = {}
    cap = spreadsheets.HEADER_SEARCH_ROWS + 3 * imports.MAX_ROWS + 2  # as read_table asks of an import's list
    for name, upload in (
        ("small", workbook(["名称"], 2)),
        ("10000_rows", entries_workbook([entry_row(Enterprise, f"成果{n:05d}", number=n) for n in range(10_000)])),
    ):
        child = median_seconds(lambda upload=upload: spreadsheets.parse_rows(upload, kind="xlsx", max_rows=cap))
        inline = median_seconds(lambda upload=upload: in_process(upload, cap))
        figures[name] = {
            "child_s": round(child, 3),
            "in_process_s": round(inline, 3),
            "overhead_s": round(child - inline, 3),
        }
        print(f"{name}: child {child:.3f} s, in process {inline:.3f} s, overhead {child - inline:.3f} s per call")
    answer(figures)


if __name__ == "__main__":
    main()
