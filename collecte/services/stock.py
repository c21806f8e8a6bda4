"""The stock of each workshop site: counts by stage, kind and grade, and who waits too long."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..domain.models import Device, Site, User, utcnow
from ..domain.stages import Stage
from ..errors import Invalid, NotFound
from ..extensions import db
from .access import device_scope, site_scope

# Stages a device should not stay in for longer than this many days (overridable: config key
# WAITING_DAYS, or env COLLECTE_WAITING_DAYS="received=7,diagnosed=5").
DEFAULT_WAITING_DAYS = {"received": 7, "diagnosed": 5, "wiped": 5, "refurbished": 7,
                        "checked": 3, "ready": 30, "reserved": 14}
STOCK_STAGES = (Stage.RECEIVED, Stage.DIAGNOSED, Stage.WIPED, Stage.REFURBISHED, Stage.CHECKED,
                Stage.READY, Stage.RESERVED)
STOCK_ROLES = frozenset({"technician", "manager", "admin"})


def parse_waiting_days(text: str | None) -> dict[str, int]:
    """`"received=7,diagnosed=5"` → {"received": 7, "diagnosed": 5}; raises ValueError."""
    days: dict[str, int] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, _, value = part.partition("=")
        stage = Stage(name.strip()).value
        number = int(value)
        if number < 0:
            raise ValueError(f"{stage}: negative")
        days[stage] = number
    return days


def waiting_days(config: dict) -> dict[str, int]:
    """The defaults, then config WAITING_DAYS, then COLLECTE_WAITING_DAYS."""
    days = dict(DEFAULT_WAITING_DAYS)
    days.update(config.get("WAITING_DAYS") or {})
    days.update(parse_waiting_days(os.environ.get("COLLECTE_WAITING_DAYS")))
    return days


@dataclass
class SiteStock:
    site: Site
    by_stage: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> stage -> n
    by_grade: dict[str, int] = field(default_factory=dict)  # ready devices by grade
    waiting: list[tuple[Device, int, int]] = field(default_factory=list)  # device, days, limit

    @property
    def total(self) -> int:
        return sum(self.by_stage.values())


def visible_sites(user: User) -> list[Site]:
    if user.role not in STOCK_ROLES:
        raise NotFound("Page introuvable.")
    return list(db.session.scalars(select(Site).where(site_scope(user)).order_by(Site.name)))


def stock(user: User, limits: dict[str, int], site_id: int | None = None,
          now: dt.datetime | None = None) -> list[SiteStock]:
    """Per visible site (or the one asked for): counts and devices waiting past their limit."""
    sites = visible_sites(user)
    if site_id is not None:
        sites = [s for s in sites if s.id == site_id]
        if not sites:
            raise NotFound("Aucun site de ce numéro dans votre périmètre.", code="unknown-site")
    if any(v < 0 for v in limits.values()):
        raise Invalid("Les délais d'attente sont des nombres de jours positifs.")
    result = {s.id: SiteStock(site=s) for s in sites}
    if not result:
        return []
    stages = [s.value for s in STOCK_STAGES]
    base = (Device.site_id.in_(result), Device.stage.in_(stages), device_scope(user))
    rows = db.session.execute(select(Device.site_id, Device.stage, Device.kind, func.count())
                              .where(*base).group_by(Device.site_id, Device.stage, Device.kind))
    for site, stage, kind, n in rows:
        entry = result[site]
        entry.by_stage[stage] = entry.by_stage.get(stage, 0) + n
        entry.by_kind.setdefault(kind, {})[stage] = n
    grades = db.session.execute(select(Device.site_id, Device.grade, func.count())
                                .where(*base, Device.stage.in_(["checked", "ready"]))
                                .group_by(Device.site_id, Device.grade))
    for site, grade, n in grades:
        result[site].by_grade[grade or "—"] = n
    now = now or utcnow()
    for stage, days in limits.items():
        if stage not in stages:
            continue
        cutoff = now - dt.timedelta(days=days)
        late = db.session.scalars(select(Device).where(*base, Device.stage == stage,
                                                       Device.stage_changed_at < cutoff)
                                  .order_by(Device.stage_changed_at).limit(200))
        for device in late:
            changed = device.stage_changed_at
            if changed.tzinfo is None:
                changed = changed.replace(tzinfo=dt.UTC)
            result[device.site_id].waiting.append((device, (now - changed).days, days))
    for entry in result.values():
        entry.waiting.sort(key=lambda w: -w[1])
    return list(result.values())
