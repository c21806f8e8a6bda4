"""Cost of checking an uploaded inventory before parsing it (issue 7): zip directory, streamed
decompression with the sheet's extent, and the text sniff of a CSV, next to the parse itself.

The check runs on upload and again before each parse (preview, job), so its cost is paid two or
three times per import; it must stay small next to calamine's read of the same workbook.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._common import machine, median, today, write_section  # noqa: E402


def make_xlsx(rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Inventaire")
    sheet.append(["Nom", "Numéro de série", "Fabricant", "Modèle", "Type", "Numéro d'inventaire",
                  "Date d'achat"])
    for i in range(rows):
        sheet.append([f"PC-{i}", f"SN{i:08d}", "Dell", "Latitude 5490", "Portable", f"INV-{i}",
                      "12/03/2019"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def make_csv(rows: int) -> bytes:
    lines = ["Nom;Numéro de série;Fabricant;Modèle;Type;Numéro d'inventaire;Date d'achat"]
    lines += [f"PC-{i};SN{i:08d};Dell;Latitude 5490;Portable;INV-{i};12/03/2019"
              for i in range(rows)]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    args = parser.parse_args()

    from python_calamine import CalamineWorkbook

    from collecte.domain import inventory, upload_checks

    xlsx, csv = make_xlsx(args.rows), make_csv(args.rows)
    load_before = os.getloadavg()[0]

    def calamine_only():
        book = CalamineWorkbook.from_filelike(io.BytesIO(xlsx))
        book.get_sheet_by_index(0).to_python(skip_empty_area=False)

    results = {
        "check": timed(lambda: upload_checks.check(xlsx), args.runs),
        "parse": timed(calamine_only, args.runs),
        "csv": timed(lambda: upload_checks.check(csv), args.runs),
        "csv_parse": timed(lambda: inventory.read_csv(csv), args.runs),
    }
    load = f"load average {load_before:.1f} → {os.getloadavg()[0]:.1f}"

    def row(label, key):
        runs = ", ".join(f"{v * 1000:.0f}" for v in results[key])
        return f"| {label} | **{median(results[key]) * 1000:.0f} ms** | {runs} |"

    share = median(results["check"]) / median(results["parse"])
    body = f"""
`benchmarks/upload_checks.py --rows {args.rows} --runs {args.runs}` — {today()}, {machine()};
{load} (the machine was shared with other builds).

| what | median of {args.runs} runs | runs (ms) |
|---|---|---|
{row(f"check of a {args.rows:,}-row XLSX ({len(xlsx) / 2**20:.1f} MB): directory, streamed "
     "decompression, sheet extent", "check")}
{row("calamine's read of the same workbook into Python rows (what the check protects)", "parse")}
{row(f"check of the same rows as CSV ({len(csv) / 2**20:.1f} MB): magic numbers, control "
     "characters", "csv")}
{row("parse of that CSV (decode, sniff, rows and columns bounded)", "csv_parse")}

The XLSX check costs {share:.0%} of the parse it guards; it runs on upload and before each
parse. A 1 GB zip bomb is refused from its directory in well under a millisecond, and a
bomb that lies about its sizes is refused after its declared size is decompressed, with memory
bounded by the 1 MB chunks (`tests/security/test_uploads.py` checks the peak).
"""
    print(body)
    if not args.no_write:
        write_section("Upload checks (issue 7)", body)


if __name__ == "__main__":
    main()
