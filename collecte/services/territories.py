"""French départements and régions (INSEE Code officiel géographique), from collecte/data."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

COG_YEAR = 2024
DATA = Path(__file__).resolve().parent.parent / "data"


def _read(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def departments() -> dict[str, tuple[str, str]]:
    """Département code → (name, région code), from departements.csv."""
    return {row["DEP"]: (row["LIBELLE"], row["REG"]) for row in _read("departements.csv")}


@cache
def regions() -> dict[str, str]:
    """Région code → name, from regions.csv."""
    return {row["REG"]: row["LIBELLE"] for row in _read("regions.csv")}


DEPARTMENT_REGION = {code: region for code, (_, region) in departments().items()}
REGIONS: dict[str, tuple[str, ...]] = {
    region: tuple(d for d, r in DEPARTMENT_REGION.items() if r == region) for region in regions()
}


def departments_of_region(region_code: str | None) -> tuple[str, ...]:
    return REGIONS.get(region_code or "", ())


def is_department(code: str) -> bool:
    return code in DEPARTMENT_REGION


def load(session: Session) -> dict:
    """Write the official lists into the database (insert or update: safe to run again)."""
    from ..domain.models import Department, Region

    counts = {"regions": 0, "departments": 0}
    known = {r.code: r for r in session.scalars(select(Region))}
    for code, name in regions().items():
        row = known.get(code) or Region(code=code)
        row.name, row.cog_year = name, COG_YEAR
        session.add(row)
        counts["regions"] += 1
    session.flush()
    known_deps = {d.code: d for d in session.scalars(select(Department))}
    for code, (name, region) in departments().items():
        row = known_deps.get(code) or Department(code=code)
        row.name, row.region_code, row.cog_year = name, region, COG_YEAR
        session.add(row)
        counts["departments"] += 1
    session.commit()
    return counts
