"""Moving a device between stages: the only code that writes `Device.stage`.

`advance()` is the use case (one transaction). `move()` does the same work without committing,
for other use cases (reserve, hand over) that move a device as part of their own transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from ..domain.models import (
    Allocation,
    AllocationRequest,
    Device,
    ErasureRecord,
    FunctionalCheck,
    RequestStatus,
    ResetRecord,
    Site,
    StageEvent,
    StorageMedium,
    User,
    utcnow,
)
from ..domain.stages import SUFFICIENT_ERASURE_LEVELS, Facts, Stage, check_move
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from . import counters
from .devices import get_device


@dataclass(frozen=True)
class MoveResult:
    device: Device
    event: StageEvent
    created: bool  # False when the client event id had already been recorded


def gather_facts(device: Device, to: Stage | None = None) -> Facts:
    """What the guards of `to` need (all guards when `to` is None), read in indexed queries.
    A scan to a stage without guards costs no query here: scans are the hot path."""
    s = db.session
    facts: dict = {"kind": device.kind, "make": device.make or "", "grade": device.grade}
    if to in (None, Stage.WIPED):
        facts["media_ids"] = frozenset(s.scalars(
            select(StorageMedium.id).where(StorageMedium.device_id == device.id)))
        facts["erased_media_ids"] = frozenset(s.scalars(
            select(ErasureRecord.medium_id).where(
                ErasureRecord.device_id == device.id,
                ErasureRecord.level.in_(SUFFICIENT_ERASURE_LEVELS),
                ErasureRecord.verification == "passed")))
        facts["has_reset_record"] = bool(s.scalar(select(exists().where(
            ResetRecord.device_id == device.id, ResetRecord.factory_reset.is_(True),
            ResetRecord.activation_lock_released.is_(True)))))
    if to in (None, Stage.CHECKED):
        passed = s.scalar(select(FunctionalCheck.passed)
                          .where(FunctionalCheck.device_id == device.id)
                          .order_by(FunctionalCheck.id.desc()).limit(1))
        facts["has_passed_checklist"] = bool(passed)
    if to in (None, Stage.RESERVED, Stage.ALLOCATED):
        active = s.execute(
            select(Allocation.handed_over_at, AllocationRequest.status)
            .join(AllocationRequest, AllocationRequest.id == Allocation.request_id)
            .where(Allocation.device_id == device.id, Allocation.is_active.is_(True))).first()
        if active is not None:
            facts["has_approved_request"] = active.status in (RequestStatus.APPROVED,
                                                              RequestStatus.RESERVED)
            facts["has_handover"] = active.handed_over_at is not None
    return Facts(**facts)


def _replay(client_event_id: str | None, device: Device, to: Stage) -> MoveResult | None:
    """The earlier result of this client event id, if it was already recorded."""
    if not client_event_id:
        return None
    # A light column query: this runs on every scan and almost always finds nothing.
    found = db.session.execute(select(StageEvent.id, StageEvent.device_id, StageEvent.to_stage)
                               .where(StageEvent.client_event_id == client_event_id)).first()
    if found is None:
        return None
    if found.device_id != device.id or found.to_stage != to:
        raise Conflict("Ce client_event_id a déjà servi pour un autre mouvement ; "
                       "envoyez-en un nouveau pour un nouveau scan.", code="client-event-id-reused",
                       errors={"client_event_id": ["Déjà utilisé pour un autre mouvement."]})
    db.session.refresh(device)
    return MoveResult(device, db.session.get(StageEvent, found.id), created=False)


def _target_site(actor: User, device: Device, to: Stage, site_id: int | None) -> int | None:
    """Where the device is after the move: a chosen site of its operator, else where it was."""
    if site_id is not None:
        site = db.session.get(Site, site_id)
        operator = device.operator_id or actor.organisation_id
        if site is None or site.operator_id != operator:
            raise NotFound("Ce site n'appartient pas à cet atelier.", code="unknown-site",
                           errors={"site_id": ["Pas un site de cet atelier."]})
        return site.id
    if device.site_id is None and to in (Stage.RECEIVED,):
        if actor.site_id is not None:
            return actor.site_id
        first = db.session.scalar(select(Site.id).where(
            Site.operator_id == (device.operator_id or actor.organisation_id)).order_by(Site.id))
        if first is None:
            raise Invalid("Choisissez le site qui reçoit cet appareil.", code="site-required",
                          errors={"site_id": ["Obligatoire pour recevoir un appareil."]})
        return first
    return device.site_id


def move(actor: User, device: Device, to: Stage | str, *, client_event_id: str | None = None,
         note: str | None = None, site_id: int | None = None,
         occurred_at: dt.datetime | None = None) -> MoveResult:
    """Check the table and guards, then move with a conditional update. Does not commit."""
    to = Stage(to)
    replay = _replay(client_event_id, device, to)
    if replay:
        return replay
    current = Stage(device.stage)
    refusal = check_move(current, to, actor.role, gather_facts(device, to), note)
    if refusal is not None:
        error = Invalid if refusal.code == "guard-failed" else Conflict
        raise error(refusal.message, code=refusal.code, current_stage=current.value,
                    allowed_next=[s.value for s in refusal.allowed],
                    problems=list(refusal.problems))
    now = utcnow()
    new_site = _target_site(actor, device, to, site_id)
    values = {"stage": to.value, "stage_changed_at": occurred_at or now,
              "version": Device.version + 1,
              "site_id": new_site}
    if device.operator_id is None and to is Stage.RECEIVED:
        values["operator_id"] = actor.organisation_id
    if to in (Stage.PARTS, Stage.RECYCLED, Stage.LOST):
        values["outcome_reason"] = (note or "").strip()[:300]
    # The conditional update: of two simultaneous moves only one finds the row as it read it.
    result = db.session.execute(
        update(Device).where(Device.id == device.id, Device.stage == current.value,
                             Device.version == device.version).values(**values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        again = _replay(client_event_id, device, to)
        if again:
            return again
        db.session.refresh(device)
        raise Conflict("Quelqu'un d'autre a déplacé cet appareil au même moment ; il est "
                       f"maintenant à l'étape {device.stage}.", code="concurrent-move",
                       current_stage=device.stage)
    event = StageEvent(device_id=device.id, from_stage=current.value, to_stage=to.value,
                       actor_id=actor.id, site_id=new_site, occurred_at=occurred_at or now,
                       recorded_at=now, note=(note or None), client_event_id=client_event_id)
    db.session.add(event)
    # Counters see the device as it was (old site, old stage time) and where it goes.
    counters.record_move(db.session, device, current, to, new_site,
                         occurred_at=occurred_at or now)
    # The row now holds these values: tell the identity map instead of reading them back.
    site_changed = new_site != device.site_id
    for key, value in values.items():
        set_committed_value(device, key, device.version + 1 if key == "version" else value)
    if site_changed:
        db.session.expire(device, ["site"])
    db.session.flush()
    return MoveResult(device, event, created=True)


def advance(actor: User, code: str, to: Stage | str, *, client_event_id: str | None = None,
            note: str | None = None, site_id: int | None = None,
            occurred_at: dt.datetime | None = None) -> MoveResult:
    """The scan use case: find the device the actor may see, move it, commit."""
    try:
        to = Stage(to)
    except ValueError as exc:
        raise Invalid(f"Étape inconnue : {to!r}.", errors={"to": ["Étape inconnue."]}) from exc
    device = get_device(actor, code)
    try:
        result = move(actor, device, to, client_event_id=client_event_id, note=note,
                      site_id=site_id, occurred_at=occurred_at)
        db.session.commit()
    except IntegrityError:
        # Two requests with the same client event id raced: the other one committed it.
        db.session.rollback()
        device = get_device(actor, code)
        replay = _replay(client_event_id, device, to)
        if replay is None:
            raise
        return replay
    except Exception:
        db.session.rollback()
        raise
    return result
