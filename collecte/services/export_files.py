"""Writing tabular exports safely: CSV for Excel in French, plain UTF-8 CSV, XLSX.

No cell can run as a formula when the file is opened in a spreadsheet: text starting with
= + - @ tab or carriage return gets a leading apostrophe, and XLSX cells are all typed as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value) -> str:
    """The cell as text that no spreadsheet will evaluate."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        text = value.isoformat(timespec="seconds")
    elif isinstance(value, dt.date):
        text = value.isoformat()
    else:
        text = str(value)
    if text.startswith(FORMULA_STARTS) and not _is_number(text):
        return "'" + text
    return text


# Digits only: Python's float() also reads "-inf", "-nan" and "-1_000", which a spreadsheet
# takes for a formula (=-inf, a #NAME? error at best).
_NEGATIVE_NUMBER = re.compile(r"-\d+(\.\d+)?([eE][-+]?\d+)?")


def _is_number(text: str) -> bool:
    """A negative number such as -3 is data, not a formula: keep it as it is."""
    return _NEGATIVE_NUMBER.fullmatch(text) is not None


def write_csv(target, headers: Sequence[str], rows: Iterable[Sequence], *, excel: bool = True,
              progress: Callable[[int], None] | None = None) -> int:
    """Write a CSV to a path or binary file. `excel`: `;` separators and a BOM (Excel in
    French); otherwise plain UTF-8 with commas (open data). Returns the number of rows."""
    own = isinstance(target, str | Path)
    binary = open(target, "wb") if own else target  # noqa: SIM115 - closed below
    text = io.TextIOWrapper(binary, encoding="utf-8-sig" if excel else "utf-8", newline="",
                            write_through=True)
    count = 0
    try:
        writer = csv.writer(text, delimiter=";" if excel else ",", lineterminator="\r\n")
        writer.writerow([neutralise(h) for h in headers])
        for row in rows:
            writer.writerow([neutralise(v) for v in row])
            count += 1
            if progress and count % 1000 == 0:
                progress(count)
    finally:
        text.flush()
        text.detach()
        if own:
            binary.close()
    return count


def write_xlsx(target, headers: Sequence[str], rows: Iterable[Sequence], *,
               sheet_title: str = "Export",
               progress: Callable[[int], None] | None = None) -> int:
    """Write an XLSX (streamed, write-only) where every cell is a text cell."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])

    def cells(values):
        out = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=neutralise(value))
            cell.data_type = "s"  # never "f" (formula), whatever the text
            out.append(cell)
        return out

    sheet.append(cells(headers))
    count = 0
    for row in rows:
        sheet.append(cells(row))
        count += 1
        if progress and count % 1000 == 0:
            progress(count)
    workbook.save(target)
    return count
