"""Moves a test device one step along its path, writing the proof each guard asks for."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from collecte.domain.models import Allocation
from collecte.extensions import db
from collecte.services.stages import move

NEXT = {"received": "diagnosed", "diagnosed": "wiped", "wiped": "refurbished",
        "refurbished": "checked", "checked": "ready", "ready": "reserved",
        "reserved": "allocated", "allocated": "returned", "returned": "received",
        "pledged": "received"}


def _active(device):
    return db.session.scalar(select(Allocation).where(Allocation.device_id == device.id,
                                                      Allocation.is_active.is_(True)))


def step(make, world, device, to: str, when: dt.datetime, *, grade="B", site_id=None):
    """Move `device` to `to` with the real service (guards satisfied first), then commit."""
    actor = world.tech
    note = None
    if to == "wiped" and device.kind in ("laptop", "desktop"):
        make.erased_medium(device)
    elif to == "checked":
        make.functional_check(device, grade=grade)
    elif to == "reserved":
        make.allocation(make.approved_request(world.partner, kind=device.kind), device,
                        pickup_code=f"P{device.id}-{when.timestamp():.0f}")
    elif to == "allocated":
        _active(device).handed_over_at = when
    elif to in ("returned", "ready") and device.stage in ("allocated", "reserved"):
        _active(device).is_active = False
    elif to in ("parts", "recycled", "lost"):
        note = "raison"
        actor = world.manager if to == "lost" else world.tech
    db.session.flush()
    result = move(actor, device, to, occurred_at=when, note=note, site_id=site_id)
    db.session.commit()
    return result.device


def play(make, world, device, action: str, when: dt.datetime, *, grade: str, other_site):
    """One random action of the property-based walks: the device after it (unchanged when the
    action does not apply to its stage). "other-site" receives it at `other_site`."""
    stage = device.stage
    if stage in ("parts", "lost", "recycled"):
        return device
    if action == "parts" and stage in ("received", "diagnosed", "wiped", "refurbished"):
        return step(make, world, device, "parts", when)
    if action == "lost" and stage != "reserved":
        return step(make, world, device, "lost", when)
    if action == "release" and stage == "reserved":
        return step(make, world, device, "ready", when)
    if action in ("next", "other-site"):
        to = NEXT[stage]
        site = other_site.id if action == "other-site" and to == "received" else None
        return step(make, world, device, to, when, grade=grade, site_id=site)
    return device
