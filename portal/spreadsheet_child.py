"""The child process that parses an uploaded spreadsheet for portal.spreadsheets.read_table, under a memory and a
time limit.

Run as a script (`python -I portal/spreadsheet_child.py KIND MAX_ROWS MEMORY_MB SECONDS`, the file's bytes on
stdin). It imports neither Django nor the portal (portal.spreadsheets imports it for MEMORY_EXIT alone), so a call
costs a Python start and openpyxl's import (bench/parse_overhead.py prints it), not the project's. It limits its own
address space to MEMORY_MB above what it holds once started and its processor time to SECONDS, so it ends even if the
process that started it is gone; the parent also kills it when SECONDS of wall-clock time have passed. It answers on
stdout with a pickle of (what, data):

- ("rows", [tuple of cell values, ...]): the first sheet's (or the CSV's) first MAX_ROWS rows;
- ("merged", ["A1:B2", ...]): the sheet has merged cells;
- ("damaged", None): openpyxl cannot read the workbook.

Running out of memory ends it with MEMORY_EXIT. The parent turns each answer into a translated message.
"""

import csv
import io
import itertools
import os
import pickle
import re
import resource
import sys
import zipfile

MEMORY_EXIT = 3
MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def limit(*, memory_mb: int, seconds: int) -> None:
    """Allow this process memory_mb more address space than it holds now, and `seconds` of processor time (past it
    the kernel ends it with SIGXCPU, then SIGKILL)."""
    with open("/proc/self/status") as status:
        held_kb = int(re.search(r"^VmSize:\s+(\d+)", status.read(), re.M).group(1))
    address_space = held_kb * 1024 + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))


def merged_ranges(data: bytes, worksheet) -> list[str]:
    """The merged cell ranges of the sheet. Read-only worksheets do not load them, so read the sheet's XML (its
    size was checked by portal.spreadsheets.check_zip)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(worksheet._worksheet_path)  # openpyxl 3.1 (pinned): where the sheet lives in the zip
    ranges = []
    for first_col, first_row, last_col, last_row in MERGE_CELL.findall(xml):
        if last_col:
            ranges.append(f"{first_col.decode()}{first_row.decode()}:{last_col.decode()}{last_row.decode()}")
    return ranges


def xlsx_rows(data: bytes, max_rows: int) -> tuple[str, object]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except MemoryError:
        raise
    except Exception:  # openpyxl raises many kinds of errors on a damaged file
        return ("damaged", None)
    try:
        worksheet = workbook.worksheets[0]
        merged = merged_ranges(data, worksheet)
        if merged:
            return ("merged", merged)
        return ("rows", list(itertools.islice(worksheet.iter_rows(values_only=True), max_rows)))
    except MemoryError:
        raise
    except Exception:
        return ("damaged", None)
    finally:
        workbook.close()


def csv_rows(text: str, max_rows: int) -> tuple[str, object]:
    return ("rows", [tuple(row) for row in itertools.islice(csv.reader(io.StringIO(text, newline="")), max_rows)])


def main(argv: list[str]) -> int:
    kind, max_rows, memory_mb, seconds = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    if kind == "xlsx":
        import openpyxl  # noqa: F401 (imported before the limit, which then bounds the parse alone)
    limit(memory_mb=memory_mb, seconds=seconds)
    try:
        data = sys.stdin.buffer.read()
        answer = xlsx_rows(data, max_rows) if kind == "xlsx" else csv_rows(data.decode("utf-8"), max_rows)
        del data
        payload = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        os._exit(MEMORY_EXIT)
    sys.stdout.buffer.write(payload)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
