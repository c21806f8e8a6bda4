"""Impact of donations (devices reused, households equipped, kg kept out of waste, CO2e avoided)
from the versioned factors table in collecte/data; blanks stay blanks."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from sqlalchemy import extract, func, select

from ..domain.models import Allocation, AllocationRequest, Device, Pledge
from ..domain.stages import Stage
from ..extensions import db

FACTORS_FILE = Path(__file__).resolve().parents[1] / "data" / "impact-factors-2021.1.csv"
FACTORS_VERSION = "2021.1"
DISPLACEMENT_RATE = 0.5  # Restart Project: a reused product displaces a new one half the time
METHOD = (
    "Un appareil compte comme réemployé lorsqu'il a été remis à un foyer. Masse évitée en "
    "déchets : somme des masses moyennes des appareils réemployés. CO2e évité : émissions de "
    "fabrication moyennes × 0,5 par appareil réemployé (méthode du Restart Project : un produit "
    f"réemployé remplace un achat neuf une fois sur deux). Facteurs : table {FACTORS_VERSION} (Restart "
    "Project, Fixometer 2021 ; ADEME 2022 pour le CO2e évité par année d'usage). Quand un "
    "facteur manque pour un type d'appareil, le chiffre est indiqué « non disponible » et "
    "n'entre pas dans les totaux."
)


def _number(text: str) -> float | None:
    return float(text) if text and text.strip() else None


@lru_cache(maxsize=1)
def factors() -> dict[str, dict]:
    with FACTORS_FILE.open(encoding="utf-8", newline="") as handle:
        return {row["kind"]: {"weight_kg": _number(row["average_weight_kg"]),
                              "manufacturing_co2e_kg": _number(row["manufacturing_co2e_kg"]),
                              "per_year_co2e_kg": _number(row["avoided_co2e_kg_per_year_of_reuse"]),
                              "sources": row["sources"]}
                for row in csv.DictReader(handle)}


@dataclass
class KindImpact:
    kind: str
    received: int
    reused: int
    weight_kg: float | None
    co2e_kg: float | None
    per_year_co2e_kg: float | None


@dataclass
class Impact:
    received: int = 0
    reused: int = 0
    parts: int = 0
    recycled: int = 0
    households: int = 0
    weight_kg: float = 0.0
    co2e_kg: float = 0.0
    by_kind: list[KindImpact] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # kinds with a blank factor
    method: str = METHOD
    version: str = FACTORS_VERSION


def compute(device_filter) -> Impact:
    """Impact of the devices matching `device_filter` (a where-clause on Device)."""
    rows = db.session.execute(select(Device.kind, Device.stage, func.count())
                              .where(device_filter).group_by(Device.kind, Device.stage)).all()
    households = db.session.scalar(
        select(func.count(func.distinct(AllocationRequest.beneficiary_id)))
        .select_from(Allocation).join(AllocationRequest,
                                      AllocationRequest.id == Allocation.request_id)
        .join(Device, Device.id == Allocation.device_id)
        .where(device_filter, Device.stage == Stage.ALLOCATED)) or 0
    impact = Impact(households=households)
    table = factors()
    by_kind: dict[str, list[int]] = {}
    not_received = {Stage.PLEDGED, Stage.CANCELLED, Stage.LOST}
    for kind, stage, count in rows:
        counts = by_kind.setdefault(kind, [0, 0])
        if stage not in not_received:
            counts[0] += count
            impact.received += count
        if stage == Stage.ALLOCATED:
            counts[1] += count
            impact.reused += count
        impact.parts += count if stage == Stage.PARTS else 0
        impact.recycled += count if stage == Stage.RECYCLED else 0
    for kind, (received, reused) in sorted(by_kind.items()):
        factor = table.get(kind, {})
        weight = factor.get("weight_kg")
        co2 = factor.get("manufacturing_co2e_kg")
        per_year = factor.get("per_year_co2e_kg")
        item = KindImpact(kind, received, reused,
                          round(weight * reused, 1) if weight is not None else None,
                          round(co2 * DISPLACEMENT_RATE * reused, 1) if co2 is not None else None,
                          round(per_year * reused, 1) if per_year is not None else None)
        if reused and (weight is None or co2 is None):
            impact.missing.append(kind)
        impact.weight_kg += item.weight_kg or 0
        impact.co2e_kg += item.co2e_kg or 0
        impact.by_kind.append(item)
    impact.weight_kg = round(impact.weight_kg, 1)
    impact.co2e_kg = round(impact.co2e_kg, 1)
    return impact


def for_pledge(pledge: Pledge) -> Impact:
    return compute(Device.pledge_id == pledge.id)


def for_donor_year(donor_id: int, year: int) -> Impact:
    """A donor's devices whose current stage was reached during `year`."""
    return compute((Device.donor_id == donor_id)
                   & (extract("year", Device.stage_changed_at) == year))
