"""10,000 labels on Avery L7160 as one PDF: wall time and peak RSS, next to the floor (qrcode).

Each measurement runs in a fresh process (so its peak RSS is its own), several times; the median
is reported. `--write` puts the figures into docs/BENCHMARKS.md.

    .venv/bin/python benchmarks/labels.py --labels 10000 --runs 5 --write
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import machine, median, write_section  # noqa: E402

PUBLIC_URL = "https://collecte.example.org"


def _codes(n: int) -> list[str]:
    from collecte.domain.codes import new_code

    return [new_code() for _ in range(n)]


def child(kind: str, n: int) -> dict:
    """One measurement, in this (fresh) process."""
    codes = _codes(n)
    start = time.perf_counter()
    if kind == "floor":
        import qrcode

        for code in codes:  # what `qrcode` costs with its defaults: the best of 8 masks
            qr = qrcode.QRCode()
            qr.add_data(f"{PUBLIC_URL}/d/{code}")
            qr.make(fit=True)
    elif kind == "floor-fixed-mask":
        from collecte.printing.qr import matrix

        for code in codes:
            matrix(f"{PUBLIC_URL}/d/{code}")
    else:
        from collecte.domain.codes import format_code
        from collecte.printing.layouts import get_layout
        from collecte.printing.render import LabelData, write_pdf

        labels = (LabelData(f"{PUBLIC_URL}/d/{c}", format_code(c), "Ordinateur portable",
                            "Lenovo ThinkPad T480", "Atelier d'Évry") for c in codes)
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "labels.pdf"
            write_pdf(labels, get_layout("avery-l7160"), str(out), parallel=kind == "pdf")
            size = out.stat().st_size
    wall = time.perf_counter() - start
    result = {"wall": wall, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
              "children_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}
    if kind.startswith("pdf"):
        result["size_mb"] = size / 1e6
    return result


def measure(kind: str, n: int, runs: int) -> dict:
    results = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, __file__, "--child", kind, "--labels", str(n)],
                             capture_output=True, text=True, check=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {key: median([r[key] for r in results]) for key in results[0]} | {
        "walls": [round(r["wall"], 2) for r in results]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--labels", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.labels)))
        return
    n = args.labels
    load_before = os.getloadavg()[0]
    figures = {kind: measure(kind, n, args.runs)
               for kind in ("pdf", "pdf-serial", "floor", "floor-fixed-mask")}
    for kind, f in figures.items():
        print(kind, json.dumps(f))
    load_after = os.getloadavg()[0]
    pdf = figures["pdf"]
    verdict = ("met" if pdf["wall"] <= 10 and pdf["rss_mb"] <= 200 else "NOT met")

    def row(what: str, f: dict, extra: str = "") -> str:
        return f"| {what} | {f['wall']:.2f} s | {f['rss_mb']:.0f} MB{extra} |"

    rows = "\n".join([
        row("PDF, QR codes encoded by 2 helper processes (default)", pdf,
            f" (+ {pdf['children_rss_mb']:.0f} MB per helper)"),
        row("PDF, all in one process", figures["pdf-serial"]),
        row("floor: `qrcode` alone, its defaults (best of 8 masks)", figures["floor"]),
        row("`qrcode` alone, fixed mask as used for labels", figures["floor-fixed-mask"]),
    ])
    body = f"""`benchmarks/labels.py --labels {n} --runs {args.runs}` — {n:,} labels on Avery L7160
({-(-n // 21)} A4 pages) written as one PDF by `collecte.printing.render.write_pdf`, the code path
of the label job minus its database reads; each figure is the median of {args.runs} runs, each
run in a fresh process.

| what | wall time | peak RSS |
|---|---|---|
{rows}

Target ≤ 10 s and ≤ 200 MB: {verdict}. PDF size {pdf['size_mb']:.1f} MB. Runs (s): PDF
{pdf['walls']}, serial {figures['pdf-serial']['walls']}, floor {figures['floor']['walls']}.

Why it is faster than its "floor": `qrcode` scores all 8 masks of every code (85% of its time);
labels use one fixed mask (any mask is valid QR; every test decodes the labels back with
zxing-cpp). QR codes are drawn as one fill of merged integer rectangles per code, written as PDF
operators (reportlab's path API formats each number in pure Python), streams are Flate only
(no ASCII85). Labels are read from the database and drawn 1,000 at a time, but reportlab keeps
a document's pages in memory until it saves it (about 70 kB a page: 229 MB peak for 50,000
labels as one PDF, measured once): so a label job writes PDFs of at most 10,000 labels, and a
larger batch (up to 100,000) downloads as a ZIP of such PDFs; its peak memory is that of one
10,000-label PDF whatever the batch size.

Machine: {machine()}; `nproc` = {os.cpu_count()}. Date: {dt.date.today().isoformat()}.
Other engineers' test suites shared the 2 cores during the runs (1-minute load average
{load_before:.1f} at the start, {load_after:.1f} at the end): the spread of the runs above shows it.
"""
    print(body)
    if args.write:
        write_section("Labels: 10,000 QR labels as one PDF (issue 3)", body)


if __name__ == "__main__":
    main()
