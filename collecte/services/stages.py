"""Moving a device between stages: the only code that writes `Device.stage`.

`advance()` is the use case (one transaction). `move()` does the same work without committing,
for other use cases (reserve, hand over) that move a device as part of their own transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import bindparam, exists, insert, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from ..domain.models import (
    Allocation,
    AllocationRequest,
    CounterDelta,
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
from ..domain.models.reports import COUNTER_KEY, COUNTER_VALUES
from ..domain.stages import N_, SUFFICIENT_ERASURE_LEVELS, Facts, Stage, check_move
from ..errors import Conflict, Invalid, NotFound, Term
from ..extensions import db
from . import counters
from .access import scope_key
from .devices import (
    DeviceState,
    canonical_code,
    get_device,
    site_state,
    state_of,
    state_query,
    unknown_device,
)
from .prepared import Prepared

# What a move writes, as tables: the scan is the hot path, and Core statements on tables skip
# the ORM's unit of work (the device object is updated in the identity map by hand, below).
_DEVICES, _EVENTS, _DELTAS = Device.__table__, StageEvent.__table__, CounterDelta.__table__
EVENT_COLUMNS = ("device_id", "from_stage", "to_stage", "actor_id", "site_id", "occurred_at",
                 "recorded_at", "note", "client_event_id")
_UNREAD = object()  # the earlier event of a client event id has not been looked up yet


@dataclass(frozen=True)
class MoveResult:
    device: Device | DeviceState  # as the caller gave it: an ORM Device, or a scan's row
    event_id: int
    created: bool  # False when the client event id had already been recorded

    @property
    def event(self) -> StageEvent:
        """The move's event, read when asked for: no caller on the scan path needs it."""
        return db.session.get(StageEvent, self.event_id)


def gather_facts(device: Device | DeviceState, to: Stage | None = None) -> Facts:
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


def _replay(client_event_id: str | None, device: Device | DeviceState, to: Stage,
            found=_UNREAD) -> MoveResult | None:
    """The earlier result of this client event id, if it was already recorded. `found` is
    that event's (id, device_id, to_stage) when the caller already read it (None: no such
    event)."""
    if not client_event_id:
        return None
    if found is _UNREAD:
        # A light column query: this runs on every scan and almost always finds nothing.
        found = db.session.execute(
            select(StageEvent.id, StageEvent.device_id, StageEvent.to_stage)
            .where(StageEvent.client_event_id == client_event_id)).first()
    if found is None:
        return None
    event_id, device_id, to_stage = found
    if device_id != device.id or to_stage != to:
        raise Conflict("Ce client_event_id a déjà servi pour un autre mouvement ; "
                       "envoyez-en un nouveau pour un nouveau scan.", code="client-event-id-reused",
                       errors={"client_event_id": ["Déjà utilisé pour un autre mouvement."]})
    return MoveResult(_stored(device), event_id, created=False)


def _stored(device: Device | DeviceState) -> Device:
    """The device as stored now, as an ORM Device (replays and conflicts: not the hot path)."""
    if isinstance(device, Device):
        db.session.refresh(device)
        return device
    return db.session.get(Device, device.id, populate_existing=True)


def _target_site(actor: User, device: Device | DeviceState, to: Stage, site_id: int | None) -> int | None:
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


def move(actor: User, device: Device | DeviceState, to: Stage | str, *, client_event_id: str | None = None,
         note: str | None = None, site_id: int | None = None,
         occurred_at: dt.datetime | None = None, earlier=_UNREAD) -> MoveResult:
    """Check the table and guards, then move with a conditional update. Does not commit.
    `earlier`: the client event id's earlier event, when the caller already read it."""
    to = Stage(to)
    replay = _replay(client_event_id, device, to, earlier)
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
    values = {"stage": to.value, "stage_changed_at": occurred_at or now, "site_id": new_site}
    if device.operator_id is None and to is Stage.RECEIVED:
        values["operator_id"] = actor.organisation_id
    if to in (Stage.PARTS, Stage.RECYCLED, Stage.LOST):
        values["outcome_reason"] = (note or "").strip()[:300]
    event_row = {"device_id": device.id, "from_stage": current.value, "to_stage": to.value,
                 "actor_id": actor.id, "site_id": new_site, "occurred_at": occurred_at or now,
                 "recorded_at": now, "note": note or None, "client_event_id": client_event_id}
    # Counters see the device as it was (old site, old stage time) and where it goes.
    deltas = counters.move_rows(db.session, device, current, to, new_site,
                                occurred_at=occurred_at or now)
    event_id = _write(device, current, values, event_row, deltas)
    if event_id is None:
        again = _replay(client_event_id, device, to)
        if again:
            return again
        stored = _stored(device)
        raise Conflict("Quelqu'un d'autre a déplacé cet appareil au même moment ; il est "
                       "maintenant à l'étape « %(stage)s ».", code="concurrent-move",
                       params={"stage": Term(Stage(stored.stage).label)},
                       current_stage=stored.stage)
    return MoveResult(_moved(device, values, new_site), event_id, created=True)


def _moved(device: Device | DeviceState, values: dict, new_site: int | None):
    """The device after the move. The row now holds `values`: the session's ORM copy of the
    device, if it has one, is told instead of reading them back; a DeviceState gets a new one."""
    version = device.version + 1
    loaded = db.session.identity_map  # empty on a bearer scan: nothing to look up then
    orm = device if isinstance(device, Device) else \
        (loaded.get(identity_key(Device, device.id)) if len(loaded) else None)
    if orm is not None:
        site_changed = new_site != orm.site_id
        for key, value in values.items():
            set_committed_value(orm, key, value)
        set_committed_value(orm, "version", version)
        if site_changed:
            db.session.expire(orm, ["site"])
    if isinstance(device, Device):
        return device
    site = device.site if new_site == device.site_id else site_state(new_site)
    return replace(device, **values, version=version, site=site)


def _write(device: Device | DeviceState, current: Stage, values: dict, event_row: dict,
           deltas: list[dict]) -> int | None:
    """The move's writes: the conditional update (of two simultaneous moves only one finds the
    row as it read it), the event, the counter delta rows. Returns the event's id, or None when
    the row had changed. On PostgreSQL one statement does all three (one round trip)."""
    db.session.flush()  # the caller's pending objects first, as an ORM statement would have
    # Core statements on the session's connection: the ORM's execute adds nothing to them.
    connection = db.session.connection()
    where = {"device_id": device.id, "from_stage": current.value, "version": device.version}
    if connection.dialect.name == "postgresql" and deltas:
        statement = _move_statement(tuple(values), len(deltas))
        params = {**where, **{f"set_{k}": v for k, v in values.items()},
                  **{f"event_{k}": v for k, v in event_row.items() if k != "device_id"}}
        for i, row in enumerate(deltas):
            params.update({f"delta{i}_{k}": v for k, v in row.items()})
        return statement.scalar(connection, params)
    d = _DEVICES.c
    result = connection.execute(
        update(_DEVICES).where(d.id == device.id, d.stage == current.value,
                               d.version == device.version)
        .values(**values, version=d.version + 1))
    if result.rowcount != 1:
        return None
    event_id = connection.execute(insert(_EVENTS).values(**event_row)).inserted_primary_key[0]
    if deltas:
        connection.execute(insert(_DELTAS), deltas)
    return event_id


_STATEMENTS: dict[tuple, Prepared] = {}


def _move_statement(value_keys: tuple[str, ...], n_deltas: int):
    """WITH moved AS (UPDATE devices ... RETURNING id), event AS (INSERT INTO stage_events
    SELECT ... FROM moved RETURNING id), deltas AS (INSERT INTO counter_deltas SELECT ... FROM
    moved) SELECT id FROM event: nothing is inserted when the update found no row. Built and
    compiled once per shape, with bound parameters (see services.prepared)."""
    key = (value_keys, n_deltas)
    if key not in _STATEMENTS:
        d, e, c = _DEVICES.c, _EVENTS.c, _DELTAS.c
        moved = (update(_DEVICES)
                 .where(d.id == bindparam("device_id"), d.stage == bindparam("from_stage"),
                        d.version == bindparam("version"))
                 .values({**{k: bindparam(f"set_{k}", type_=d[k].type) for k in value_keys},
                          "version": d.version + 1})
                 .returning(d.id).cte("moved"))
        event = (insert(_EVENTS).from_select(EVENT_COLUMNS, select(
            moved.c.id, *(bindparam(f"event_{k}", type_=e[k].type) for k in EVENT_COLUMNS[1:])))
            .returning(e.id).cte("event"))
        columns = list(COUNTER_KEY + COUNTER_VALUES)
        rows = [select(*(bindparam(f"delta{i}_{k}", type_=c[k].type) for k in columns))
                .select_from(moved) for i in range(n_deltas)]
        deltas = (insert(_DELTAS).from_select(columns, union_all(*rows) if n_deltas > 1
                                              else rows[0])
                  .returning(c.id).cte("deltas"))
        _STATEMENTS[key] = Prepared(select(event.c.id).add_cte(moved, event, deltas))
    return _STATEMENTS[key]


def advance(actor: User, code: str, to: Stage | str, *, client_event_id: str | None = None,
            note: str | None = None, site_id: int | None = None,
            occurred_at: dt.datetime | None = None) -> MoveResult:
    """The scan use case: find the device the actor may see, move it, commit."""
    try:
        to = Stage(to)
    except ValueError as exc:
        raise Invalid("Étape inconnue : %(to)s.", params={"to": repr(to)},
                      errors={"to": [N_("Étape inconnue.")]}) from exc
    device, earlier = _scanned_device(actor, code, client_event_id)
    try:
        result = move(actor, device, to, client_event_id=client_event_id, note=note,
                      site_id=site_id, occurred_at=occurred_at, earlier=earlier)
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


def _scanned_device(actor: User, raw_code: str, client_event_id: str | None):
    """The device `actor` may see, as a DeviceState, and the earlier event of this client event
    id, in one Core statement: the device row with its site, left-joined to the (unique) event
    with that id (no event when the scan has no id)."""
    code = canonical_code(raw_code)
    db.session.flush()  # a Core read on the session's connection does not autoflush
    row = _scan_query(actor).first(db.session.connection(), {
        "code": code, "client_event_id": client_event_id})
    if row is None:
        raise unknown_device(code)
    event_id, device_id, to_stage = row[-3:]
    return state_of(row), (None if event_id is None else (event_id, device_id, to_stage))


_SCAN_QUERIES: dict[tuple, Prepared] = {}


def _scan_query(actor: User) -> Prepared:
    """The scan's read, built and compiled once per scope (see access.scope_key): building and
    keying a statement costs about as much as running it."""
    key = scope_key(actor)
    query = _SCAN_QUERIES.get(key)
    if query is None:
        if len(_SCAN_QUERIES) >= 1024:
            _SCAN_QUERIES.clear()
        e = _EVENTS.c
        query = _SCAN_QUERIES[key] = Prepared(
            state_query(actor, bindparam("code"))
            .outerjoin(_EVENTS, e.client_event_id == bindparam("client_event_id"))
            .add_columns(e.id, e.device_id, e.to_stage))
    return query
