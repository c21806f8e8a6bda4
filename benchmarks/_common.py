"""Shared helpers for the benchmarks: machine description, databases, results file."""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("COLLECTE_BENCH_PG_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, Linux {platform.release()}, "
            f"Python {platform.python_version()}, {pg}")


def fresh_database(name: str) -> str:
    """Drop and create database `name`; returns its SQLAlchemy URL."""
    admin = create_engine(make_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def median(values):
    return statistics.median(values)


def percentile(values, p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def write_section(title: str, body: str) -> None:
    """Replace (or add) the section `## title` of docs/BENCHMARKS.md."""
    path = ROOT / "docs" / "BENCHMARKS.md"
    text_ = path.read_text() if path.exists() else (
        "# Benchmarks\n\nFigures measured by the scripts in `benchmarks/`; each section says "
        "the machine, the date and how many runs the median is taken over.\n")
    header = f"## {title}\n"
    block = f"{header}\n{body.strip()}\n"
    if header in text_:
        start = text_.index(header)
        nxt = text_.find("\n## ", start + len(header))
        text_ = text_[:start] + block + (text_[nxt:] if nxt != -1 else "")
    else:
        text_ = text_.rstrip() + "\n\n" + block
    path.write_text(text_)


def today() -> str:
    return dt.date.today().isoformat()
