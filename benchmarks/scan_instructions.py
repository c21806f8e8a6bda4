"""Instructions per scan, counted by callgrind: a figure the machine's other load does not move.

The throughput benchmark (scan_throughput.py) runs on 2 cores shared with its own clients and,
here, with other engineers' jobs: the same code gives shares of (b) 10 points apart from one run
to the next. This one runs `POST /api/v1/scans` in process (Flask's test client, PostgreSQL)
under `valgrind --tool=callgrind` with instrumentation switched on only around the measured
scans, for Collecte and for the bare route (b) of scan_throughput.py, and prints the
instructions each scan took (the same total twice in a row to within 0.5 %). Use it to compare
two versions of the code (`--app-src`); the rates themselves come from scan_throughput.py.

    benchmarks/scan_instructions.py [--scans 200] [--app-src DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import scan_throughput as bench  # noqa: E402
from benchmarks._common import ROOT, fresh_database  # noqa: E402

DB_NAME = "collecte_bench_instructions"
WARMUP = 50  # scans before counting: every statement prepared, every cache warm


def _scan_in_process() -> None:
    """Child: build the app (or the bare route), warm it up, count the measured scans."""
    import gc

    codes = Path(os.environ["BENCH_CODES"]).read_text().split()
    if os.environ["BENCH_TARGET"] == "bare":
        sys.path.insert(0, os.environ["BENCH_BARE_DIR"])
        from bench_bare_app import app  # noqa: PLC0415 - written by the parent
    else:
        sys.path.insert(0, os.environ["BENCH_APP_SRC"])  # before this tree's own collecte
        from collecte import create_app  # noqa: PLC0415 - from --app-src

        app = create_app()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {os.environ['BENCH_TOKEN']}"}

    def scan(code: str) -> None:
        response = client.post("/api/v1/scans", headers=headers, json={
            "code": code, "to": "diagnosed", "client_event_id": str(uuid.uuid4())})
        assert response.status_code == 201, response.get_data(as_text=True)

    for code in codes[:WARMUP]:
        scan(code)
    gc.collect()
    gc.freeze()  # as collecte.gunicorn_conf does once a worker has booted
    control = ["callgrind_control", "--instr", "on", str(os.getpid())]
    subprocess.run(control, check=True, capture_output=True)
    for code in codes[WARMUP:]:
        scan(code)
    subprocess.run([*control[:2], "off", control[3]], check=True, capture_output=True)


def count(target: str, scans: int, url: str, token: str, codes: list[str],
          app_src: Path) -> float:
    """Instructions per scan for `target` ("app" or "bare")."""
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "codes").write_text("\n".join(codes[:WARMUP + scans]))
        Path(tmp, "bench_bare_app.py").write_text(bench.BARE_APP)
        env = {**bench.app_environment(url), "PYTHONPATH": f"{app_src}:{ROOT}",
               "BENCH_TARGET": target, "BENCH_TOKEN": token, "BENCH_CODES": f"{tmp}/codes",
               "BENCH_BARE_DIR": tmp, "BENCH_APP_SRC": str(app_src)}
        result = subprocess.run(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no",
             f"--callgrind-out-file={tmp}/callgrind.out", sys.executable, __file__, "--child"],
            cwd=app_src, env=env, capture_output=True, text=True)
        collected = re.search(r"Collected : (\d+)", result.stderr)
        if result.returncode != 0 or collected is None:
            raise RuntimeError(f"callgrind run of {target} failed:\n{result.stderr[-3000:]}")
        return int(collected.group(1)) / scans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scans", type=int, default=200)
    parser.add_argument("--app-src", type=Path, default=ROOT,
                        help="run the app from this source tree (before/after comparisons)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _scan_in_process()
        return
    url = fresh_database(DB_NAME)
    token, codes = bench.seed(url, 2 * (WARMUP + args.scans) + 10)
    half = len(codes) // 2
    app = count("app", args.scans, url, token, codes[:half], args.app_src.resolve())
    bare = count("bare", args.scans, url, token, codes[half:], args.app_src.resolve())
    print(f"Collecte: {app / 1e6:.2f} M instructions per scan; (b) bare route: "
          f"{bare / 1e6:.2f} M; ratio {app / bare:.2f} ({args.scans} scans each, in process, "
          f"PostgreSQL, test client; app from {args.app_src})")


if __name__ == "__main__":
    main()
