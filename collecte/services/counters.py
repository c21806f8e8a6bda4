"""Dashboard counters kept exact by the stage writer: ±1 delta rows, folded into totals.

Writers only ever INSERT delta rows, in the move's own transaction (no row is a hot spot, see
DESIGN §4). `fold()` (a beat job) moves them into `counter_totals` and its roll-ups (without the
day, without the site: `ROLLUPS`); reads add one folded table and the deltas not folded yet.
`recount()` rebuilds the same numbers from `stage_events` and `devices` (the readable reference;
`services.recount` does it in SQL), `check()` compares, `repair()` replaces the counters by the
recount.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from sqlalchemy import delete, func, insert, select, union_all
from sqlalchemy.orm import Session

from ..domain.goal import RETURN_WINDOW_DAYS
from ..domain.models import (
    CounterAllTime,
    CounterDelta,
    CounterNationalDay,
    CounterTerritory,
    CounterTerritoryDay,
    CounterTotal,
    Device,
    Site,
    StageEvent,
    utcnow,
)
from ..domain.models.reports import COUNTER_KEY, COUNTER_VALUES, ROLLUP_KEYS

# Every folded table and the key it keeps; (by_day, by_site, by_department) picks the one a
# read needs.
ROLLUPS = {model: ROLLUP_KEYS[model.__tablename__]
           for model in (CounterTotal, CounterAllTime, CounterTerritoryDay, CounterTerritory,
                         CounterNationalDay)}
_ROLLUP_FOR = {(True, True): CounterTotal, (False, True): CounterAllTime,
               (True, False): CounterTerritoryDay, (False, False): CounterTerritory}

# Stages whose counter rows carry the device's grade (it is set on the way to `checked`).
GRADED_STAGES = frozenset({"checked", "ready", "reserved", "allocated"})
FOLD_BATCH = 100_000
Key = tuple  # (day, site_id, operator_id, department_code, kind, grade, stage)


def _day(moment: dt.datetime | dt.date | None) -> dt.date:
    if moment is None:
        return utcnow().date()
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC)
        return moment.date()
    return moment


def _place(session: Session, site_id: int | None, operator_id: int | None,
           known=None) -> tuple:
    """(site_id, operator_id, department_code) of a device at `site_id` (0/0/'' for none).
    `known`: a site already read (the device's), to spare a query."""
    if site_id:
        site = known if known is not None and known.id == site_id else session.get(Site, site_id)
        return site.id, site.operator_id, site.department_code
    return 0, operator_id or 0, ""


def _key(day, place, kind, grade, stage) -> Key:
    return (day, *place, kind, (grade or "") if stage in GRADED_STAGES else "", stage)


def _add(rows: dict, key: Key, stock=0, entered=0, goal=0) -> None:
    values = rows.setdefault(key, [0, 0, 0])
    values[0] += stock
    values[1] += entered
    values[2] += goal


def _payload(rows: dict) -> list[dict]:
    return [dict(zip(COUNTER_KEY, key, strict=True), stock=v[0], entered=v[1], goal=v[2])
            for key, v in rows.items() if any(v)]


def _insert_deltas(session: Session, rows: dict) -> None:
    payload = _payload(rows)
    if payload:
        session.execute(insert(CounterDelta), payload)


def _pending_event_time(session: Session, device_id: int) -> dt.datetime | None:
    for obj in session.new:
        if isinstance(obj, StageEvent) and obj.device_id == device_id:
            return obj.occurred_at
    return None


def record_move(session: Session, device, from_stage, to_stage, site_id,
                occurred_at: dt.datetime | None = None) -> None:
    """Insert the delta rows of a move (see `move_rows`) in the move's transaction."""
    payload = move_rows(session, device, from_stage, to_stage, site_id, occurred_at)
    if payload:
        session.execute(insert(CounterDelta), payload)


def move_rows(session: Session, device, from_stage, to_stage, site_id,
              occurred_at: dt.datetime | None = None) -> list[dict]:
    """The delta rows of a move, as `counter_deltas` values; services.stages.move() writes them
    in the move's own statement. `device` still holds the old site and stage time."""
    from_stage, to_stage = str(from_stage), str(to_stage)
    occurred_at = occurred_at or _pending_event_time(session, device.id) or utcnow()
    day = _day(occurred_at)
    old = _place(session, device.site_id, device.operator_id, device.site)
    new = _place(session, site_id, device.operator_id, device.site)
    rows: dict = {}
    _add(rows, _key(day, old, device.kind, device.grade, from_stage), stock=-1)
    _add(rows, _key(day, new, device.kind, device.grade, to_stage), stock=1, entered=1,
         goal=1 if to_stage == "allocated" else 0)
    if from_stage == "allocated" and to_stage == "returned":
        handed_over_at = device.stage_changed_at
        if _within_window(handed_over_at, occurred_at):
            _add(rows, _key(_day(handed_over_at), old, device.kind, device.grade, "allocated"),
                 goal=-1)
    return _payload(rows)


def record_transfer(session: Session, device, old_site_id: int | None, new_site_id: int,
                    occurred_at: dt.datetime | None = None) -> None:
    """A device moved to another site without changing stage (workshop transfer): its stock
    leaves one place for the other; nothing "enters" the stage."""
    day = _day(occurred_at)
    rows: dict = {}
    _add(rows, _key(day, _place(session, old_site_id, device.operator_id), device.kind,
                    device.grade, device.stage), stock=-1)
    _add(rows, _key(day, _place(session, new_site_id, device.operator_id), device.kind,
                    device.grade, device.stage), stock=1)
    _insert_deltas(session, rows)


def _within_window(handed_over_at, returned_at) -> bool:
    a, b = (t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t
            for t in (handed_over_at, returned_at))
    return b - a <= dt.timedelta(days=RETURN_WINDOW_DAYS)


def record_created(session: Session, devices: Iterable) -> None:
    """Count devices created directly at a stage (placeholders at 'pledged', unannounced at
    'received', bulk imports), in the creating transaction. Takes Device objects (flushed or
    not) or mappings with kind, stage, site_id, operator_id, grade and optional day / count."""
    rows: dict = {}
    for item in devices:
        get = item.get if isinstance(item, Mapping) else (lambda k, d=None, o=item: getattr(o, k, d))
        stage = str(get("stage") or "pledged")
        day = _day(get("day") or get("created_at"))
        place = _place(session, get("site_id"), get("operator_id"))
        count = int(get("count") or 1)
        _add(rows, _key(day, place, get("kind"), get("grade"), stage), stock=count,
             entered=count, goal=count if stage == "allocated" else 0)
    _insert_deltas(session, rows)


def fold(session: Session) -> int:
    """Move delta rows into the totals, batch by batch; returns how many were folded.
    DELETE ... RETURNING makes "folded" and "deleted" the very same rows."""
    if session.get_bind().dialect.name == "postgresql":
        from .recount import FOLD_LOCK

        session.execute(select(func.pg_advisory_xact_lock(FOLD_LOCK)))  # one fold at a time
    folded = 0
    while True:
        first = session.scalar(select(func.min(CounterDelta.id)))
        if first is None:
            break
        gone = session.execute(
            delete(CounterDelta).where(CounterDelta.id < first + FOLD_BATCH)
            .returning(*(getattr(CounterDelta, c) for c in COUNTER_KEY + COUNTER_VALUES))).all()
        rows: dict = {}
        for row in gone:
            _add(rows, tuple(row[: len(COUNTER_KEY)]), *row[len(COUNTER_KEY):])
        _upsert_totals(session, rows)
        folded += len(gone)
    session.commit()
    return folded


def _upsert_totals(session: Session, rows: dict) -> None:
    """Add `rows` (full keys) to the daily totals and to every roll-up."""
    if not rows:
        return
    for model, key_columns in ROLLUPS.items():
        picked = [COUNTER_KEY.index(c) for c in key_columns]
        grouped: dict = {}
        for key, values in rows.items():
            _add(grouped, tuple(key[i] for i in picked), *values)
        _upsert(session, model, key_columns, grouped)


def _upsert(session: Session, model, key_columns: tuple, rows: dict) -> None:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    payload = [dict(zip(key_columns, key, strict=True), stock=v[0], entered=v[1], goal=v[2])
               for key, v in rows.items()]
    for start in range(0, len(payload), 5_000):
        statement = upsert(model).values(payload[start:start + 5_000])
        session.execute(statement.on_conflict_do_update(
            index_elements=list(key_columns),
            set_={c: getattr(model, c) + getattr(statement.excluded, c)
                  for c in COUNTER_VALUES}))


def counter_rows(*, by_day: bool = True, by_site: bool = True, by_department: bool = True):
    """A selectable of every counter row: a folded table plus the unfolded deltas. Without
    `by_day` the folded part is an all-time roll-up (no `day` column); without `by_site` a
    roll-up per département, kind and stage (no site, operator or grade columns); without
    `by_site` nor `by_department`, per day, kind and stage only."""
    model = CounterNationalDay if by_day and not by_site and not by_department \
        else _ROLLUP_FOR[(by_day, by_site)]
    columns = ROLLUPS[model] + COUNTER_VALUES
    return union_all(select(*(getattr(model, c) for c in columns)),
                     select(*(getattr(CounterDelta, c) for c in columns))).subquery("counters")


def current(session: Session) -> dict[Key, list[int]]:
    """Every key with its summed values, as the counters hold them (zero rows dropped)."""
    rows = counter_rows()
    result = session.execute(select(*(rows.c[c] for c in COUNTER_KEY),
                                     *(func.sum(rows.c[c]) for c in COUNTER_VALUES))
                             .group_by(*(rows.c[c] for c in COUNTER_KEY)))
    out = {}
    for row in result:
        values = [int(v or 0) for v in row[len(COUNTER_KEY):]]
        if any(values):
            out[(_day(row[0]), *row[1:len(COUNTER_KEY)])] = values
    return out


def recount(session: Session) -> dict[Key, list[int]]:
    """The counters rebuilt from the event log and the devices table (a full scan)."""
    sites = {s.id: (s.id, s.operator_id, s.department_code)
             for s in session.scalars(select(Site))}
    rows: dict = {}
    previous: tuple | None = None  # (device_id, place, stage, occurred_at)
    result = session.execute(
        select(StageEvent.device_id, StageEvent.from_stage, StageEvent.to_stage,
               StageEvent.site_id, StageEvent.occurred_at, Device.kind, Device.grade,
               Device.operator_id)
        .join(Device, Device.id == StageEvent.device_id)
        .order_by(StageEvent.device_id, StageEvent.id)
        .execution_options(yield_per=20_000))
    for device_id, from_stage, to_stage, site_id, at, kind, grade, operator_id in result:
        place = sites[site_id] if site_id else (0, operator_id or 0, "")
        day = _day(at)
        if from_stage is not None and from_stage == to_stage and previous \
                and previous[0] == device_id:  # a transfer between sites
            _add(rows, _key(day, previous[1], kind, grade, to_stage), stock=-1)
            _add(rows, _key(day, place, kind, grade, to_stage), stock=1)
            previous = (device_id, place, to_stage, previous[3])
            continue
        if from_stage is not None and previous and previous[0] == device_id:
            _, old, old_stage, old_at = previous
            _add(rows, _key(day, old, kind, grade, old_stage), stock=-1)
            if old_stage == "allocated" and to_stage == "returned" and _within_window(old_at, at):
                _add(rows, _key(_day(old_at), old, kind, grade, "allocated"), goal=-1)
        _add(rows, _key(day, place, kind, grade, to_stage), stock=1, entered=1,
             goal=1 if to_stage == "allocated" else 0)
        previous = (device_id, place, to_stage, at)
    return {k: v for k, v in rows.items() if any(v)}


def check(session: Session) -> list[str]:
    """Differences between the counters and a full recount (empty when they agree)."""
    from . import recount as full

    return full.check(session)


def repair(session: Session) -> int:
    """Replace every counter by the full recount; returns the number of total rows written."""
    from . import recount as full

    return full.repair(session)
