"""Dashboard detail roll-ups folded from the stage log: lead-time histograms and yield.

The periodic job (`fold()`, after the counters' fold) reads the stage events appended since its
watermark (`rollup_marks`): the log is append-only and ids increase. For each event it looks up
the device's previous event (a window over the events of the devices touched, on the
(device_id, …) index) and adds:

- lead times: one move out of `from_stage` after a stay of (its time − the previous event's
  time), counted in a duration bucket (`BUCKET_HOURS`), on the event's day, at the place where
  the stay happened (the previous event's site);
- yield: +1 device in the outcome of its new stage at its new place, −1 in the outcome of the
  previous stage at the previous place ("reusable": ready, reserved, allocated, returned;
  "not_reusable": parts, recycled), per donor and purchase year — the devices table's figures.

`recount_sql()` is the same rules over the whole log (the reference `check()` compares with;
`repair()` rebuilds from it); the yield is also compared with the devices table itself.
"""

# The SQL here is assembled from table and column names and stage names only; values travel
# as bound parameters.
# ruff: noqa: S608

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ..domain.models import RollupMark
from ..domain.models.rollups import LEAD_TABLES, YIELD_TABLES
from ..errors import Conflict

MARK = "details"
ROLLUP_LOCK = 0x726F6C6C7570  # the advisory lock one fold or repair holds (PostgreSQL)
FOLD_BATCH = 200_000  # events per batch
# Upper bounds of the lead-time buckets, in hours: 1, 2, 4, 8, 12 hours, then 1, 2, 3, 5, 7,
# 10, 14, 21, 30, 45, 60, 90, 180, 365 days; the last bucket is "more than a year".
BUCKET_HOURS = (1, 2, 4, 8, 12, 24, 48, 72, 120, 168, 240, 336, 504, 720, 1080, 1440, 2160,
                4320, 8760)
REUSABLE = ("ready", "reserved", "allocated", "returned")
NOT_REUSABLE = ("parts", "recycled")
FAMILIES = {"lead": (LEAD_TABLES, "moves"), "yield": (YIELD_TABLES, "devices")}


def bucket_bounds(bucket: int) -> tuple[float, float | None]:
    """(lower, upper) of a bucket in days (upper None for the last one)."""
    lower = BUCKET_HOURS[bucket - 1] / 24 if bucket else 0.0
    upper = BUCKET_HOURS[bucket] / 24 if bucket < len(BUCKET_HOURS) else None
    return lower, upper


def _bits(dialect: str) -> tuple[str, str]:
    """(UTC day of `{}`, seconds between `{a}` and an earlier `{b}`)."""
    if dialect == "postgresql":
        return "(({}) AT TIME ZONE 'UTC')::date", "extract(epoch from ({a} - {b}))"
    return "date({})", "(julianday({a}) - julianday({b})) * 86400.0"


def _outcome(stage: str) -> str:
    quoted = ", ".join(f"'{s}'" for s in REUSABLE)
    lost = ", ".join(f"'{s}'" for s in NOT_REUSABLE)
    return (f"CASE WHEN {stage} IN ({quoted}) THEN 'reusable' "
            f"WHEN {stage} IN ({lost}) THEN 'not_reusable' END")


def _place(alias: str) -> str:
    return (f"COALESCE({alias}.id, 0) AS site_id, "
            f"COALESCE({alias}.operator_id, d.operator_id, 0) AS operator_id, "
            f"COALESCE({alias}.department_code, '') AS department_code")


def _events(whole: bool, dialect: str) -> str:
    """Every event with its device's previous one: of the whole log, or (not `whole`) of
    the events with :lo < id <= :hi, looking back over their devices' earlier events (on
    PostgreSQL a LATERAL read of each touched device's events from its index: the planner
    would otherwise scan the whole log to hash-join a few thousand devices)."""
    if whole:
        source = "stage_events e WHERE e.id <= :hi"
    elif dialect == "postgresql":
        source = ("(SELECT DISTINCT device_id FROM stage_events WHERE id > :lo AND id <= :hi) t "
                  "CROSS JOIN LATERAL (SELECT * FROM stage_events s "
                  "WHERE s.device_id = t.device_id AND s.id <= :hi) e")
    else:
        source = ("stage_events e WHERE e.id <= :hi AND e.device_id IN "
                  "(SELECT device_id FROM stage_events WHERE id > :lo AND id <= :hi)")
    return f"""
    SELECT x.* FROM (
        SELECT e.id, e.device_id, e.from_stage, e.to_stage, e.site_id, e.occurred_at,
               lag(e.id) OVER w AS prev_id, lag(e.site_id) OVER w AS prev_site_id,
               lag(e.to_stage) OVER w AS prev_stage, lag(e.occurred_at) OVER w AS prev_at
        FROM {source}
        WINDOW w AS (PARTITION BY e.device_id ORDER BY e.id)) x
    WHERE x.id > :lo"""


def lead_sql(dialect: str, whole: bool = False) -> str:
    """SELECT LEAD_KEY..., moves: the lead-time histogram of the events in (:lo, :hi]."""
    day, seconds = _bits(dialect)
    secs = seconds.format(a="n.occurred_at", b="n.prev_at")
    bucket = "CASE " + " ".join(f"WHEN {secs} < {h * 3600} THEN {i}"
                                for i, h in enumerate(BUCKET_HOURS)) \
        + f" ELSE {len(BUCKET_HOURS)} END"
    key = ", ".join(LEAD_TABLES["lead_time_site_days"])
    return f"""
SELECT {key}, count(*) AS moves FROM (
    SELECT {day.format('n.occurred_at')} AS day, {_place('s')}, d.kind, n.from_stage AS stage,
           {bucket} AS bucket
    FROM ({_events(whole, dialect)}) n JOIN devices d ON d.id = n.device_id
    LEFT JOIN sites s ON s.id = n.prev_site_id
    WHERE n.from_stage IS NOT NULL AND n.prev_id IS NOT NULL) m
GROUP BY {key}"""


def yield_sql(dialect: str, whole: bool = False) -> str:
    """SELECT YIELD_KEY..., devices: the yield changes of the events in (:lo, :hi] (the
    events read once: a CTE used twice is materialised)."""
    key = ", ".join(YIELD_TABLES["yield_sites"])
    device = "d.kind, COALESCE(d.donor_id, 0) AS donor_id, " \
             "COALESCE(d.purchase_year, 0) AS purchase_year"
    return f"""
WITH n AS ({_events(whole, dialect)})
SELECT {key}, sum(devices) AS devices FROM (
    SELECT {_place('here')}, {device}, {_outcome('n.to_stage')} AS outcome, 1 AS devices
    FROM n JOIN devices d ON d.id = n.device_id
    LEFT JOIN sites here ON here.id = n.site_id
    WHERE {_outcome('n.to_stage')} IS NOT NULL
    UNION ALL
    SELECT {_place('before')}, {device}, {_outcome('n.prev_stage')}, -1
    FROM n JOIN devices d ON d.id = n.device_id
    LEFT JOIN sites before ON before.id = n.prev_site_id
    WHERE n.prev_id IS NOT NULL AND {_outcome('n.prev_stage')} IS NOT NULL) c
GROUP BY {key}
HAVING sum(devices) <> 0"""


def _sql(family: str, dialect: str, whole: bool = False) -> str:
    return (lead_sql if family == "lead" else yield_sql)(dialect, whole)


def _lock(session: Session, *, wait: bool) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: one writer at a time anyway
    if wait:
        session.execute(select(func.pg_advisory_xact_lock(ROLLUP_LOCK)))
    elif not session.scalar(select(func.pg_try_advisory_xact_lock(ROLLUP_LOCK))):
        session.rollback()
        raise Conflict("Un regroupement des agrégats est en cours : relancez la réparation.",
                       code="fold-running")


def _mark(session: Session) -> RollupMark:
    mark = session.get(RollupMark, MARK)
    if mark is None:
        mark = RollupMark(name=MARK, folded_to=0)
        session.add(mark)
        session.flush()
    return mark


def horizon(session: Session) -> tuple[int, int | None]:
    """(the last event id this transaction sees, the snapshot's xmax on PostgreSQL)."""
    last = session.scalar(select(func.coalesce(func.max(text("id")), 0))
                          .select_from(text("stage_events"))) or 0
    if session.get_bind().dialect.name != "postgresql":
        return int(last), None
    xmax = session.scalar(text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint"))
    return int(last), int(xmax)


def _safe_to(session: Session, mark: RollupMark) -> int:
    """How far the fold may read now. SQLite has one writer: every id up to the last visible
    one is final. On PostgreSQL an event with a smaller id may still be uncommitted, so the
    fold reads up to the horizon taken by an earlier fold once every transaction of this
    database that was running then has ended (no event at or below it can appear any more:
    a move's transaction has its id from its first write, before it inserts its event), and
    takes a new horizon."""
    last, xmax = horizon(session)
    if xmax is None:
        return last
    if mark.pending_to is None:
        mark.pending_to, mark.pending_xmax = last, xmax
        return mark.folded_to
    older = session.scalar(text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid() "
        "AND age(backend_xid) > age(CAST(CAST(:xid AS text) AS xid))"),
        {"xid": int(mark.pending_xmax) % 2**32})
    if older:
        return mark.folded_to
    safe = max(mark.pending_to, mark.folded_to)
    mark.pending_to, mark.pending_xmax = last, xmax
    return safe


def fold(session: Session) -> int:
    """Add the events appended since the watermark to every roll-up; returns their number."""
    _lock(session, wait=True)
    mark = _mark(session)
    dialect = session.get_bind().dialect.name
    target = _safe_to(session, mark)
    folded = 0
    while mark.folded_to < target:
        lo, hi = mark.folded_to, min(target, mark.folded_to + FOLD_BATCH)
        for family in FAMILIES:
            rows = session.execute(text(_sql(family, dialect)), {"lo": lo, "hi": hi}).all()
            _add_rows(session, family, rows)
        folded += session.scalar(text("SELECT count(*) FROM stage_events "
                                      "WHERE id > :lo AND id <= :hi"), {"lo": lo, "hi": hi})
        mark.folded_to = hi
    session.commit()
    return folded


def _add_rows(session: Session, family: str, rows: list) -> None:
    """Add rows of the base key (+ value) to the base table and to each of its sums."""
    tables, value = FAMILIES[family]
    base = next(iter(tables.values()))
    for table, key in tables.items():
        picked = [base.index(c) for c in key]
        grouped: dict = {}
        for row in rows:
            k = tuple(row[i] for i in picked)
            grouped[k] = grouped.get(k, 0) + int(row[-1])
        _upsert(session, table, key, value, grouped)


def _upsert(session: Session, table: str, key: tuple, value: str, rows: dict) -> None:
    payload = [dict(zip(key, k, strict=True), **{value: v}) for k, v in rows.items() if v]
    columns = ", ".join((*key, value))
    params = ", ".join(f":{c}" for c in (*key, value))
    statement = text(f"INSERT INTO {table} ({columns}) VALUES ({params}) "
                     f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
                     f"{value} = {table}.{value} + excluded.{value}")
    for start in range(0, len(payload), 5_000):
        session.execute(statement, payload[start:start + 5_000])


def _compare(left: str, right: str, key: tuple, value: str, limit: int) -> str:
    keys = ", ".join(key)
    same = " AND ".join(f"a.{c} = b.{c}" for c in key)
    return f"""
WITH a AS (SELECT {keys}, sum({value}) AS v FROM ({left}) x GROUP BY {keys}),
     b AS (SELECT {keys}, sum({value}) AS v FROM ({right}) y GROUP BY {keys})
SELECT {", ".join(f"a.{c}" for c in key)}, a.v, b.v FROM a LEFT JOIN b ON {same}
WHERE COALESCE(a.v, 0) <> COALESCE(b.v, 0)
UNION ALL
SELECT {", ".join(f"b.{c}" for c in key)}, a.v, b.v FROM b LEFT JOIN a ON {same}
WHERE a.{key[0]} IS NULL AND b.v <> 0
LIMIT {int(limit)}"""


def _devices_yield() -> str:
    """The yield rows counted from the devices table directly."""
    return (f"SELECT {_place('s')}, d.kind, COALESCE(d.donor_id, 0) AS donor_id, "
            f"COALESCE(d.purchase_year, 0) AS purchase_year, {_outcome('d.stage')} AS outcome, "
            f"1 AS devices FROM devices d LEFT JOIN sites s ON s.id = d.site_id "
            f"WHERE {_outcome('d.stage')} IS NOT NULL")


def check(session: Session, limit: int = 1000) -> list[str]:
    """Differences between the roll-ups and a full recount of the events up to the watermark,
    between each roll-up and its base table, and between the yield and the devices table
    (meaningful once the fold has caught up: `flask counters check` folds first)."""
    session.rollback()
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        session.execute(text("SET LOCAL work_mem = '256MB'"))
    mark = session.get(RollupMark, MARK)
    folded_to = mark.folded_to if mark else 0
    params = {"lo": 0, "hi": folded_to}
    problems = []
    for family, (tables, value) in FAMILIES.items():
        base_table, base_key = next(iter(tables.items()))
        for *k, held, counted in session.execute(text(_compare(
                f"SELECT * FROM {base_table}", _sql(family, dialect, whole=True), base_key,
                value, limit)), params):
            problems.append(f"{base_table} {tuple(k)}: {held} ≠ recount {counted}")
        for table, key in list(tables.items())[1:]:
            for *k, held, summed in session.execute(text(_compare(
                    f"SELECT * FROM {table}", f"SELECT * FROM {base_table}", key, value,
                    limit))):
                problems.append(f"{table} {tuple(k)}: {held} ≠ {base_table} {summed}")
    last, _xmax = horizon(session)
    if folded_to == last:
        for *k, held, counted in session.execute(text(_compare(
                "SELECT * FROM yield_sites", _devices_yield(), YIELD_TABLES["yield_sites"],
                "devices", limit))):
            problems.append(f"yield_sites {tuple(k)}: {held} ≠ devices {counted}")
    session.rollback()
    return problems


def rebuild(session: Session) -> int:
    """Replace every roll-up by the recount of the events this transaction sees and move the
    watermark there (no commit: `repair()` and the migration that creates the tables)."""
    dialect = session.get_bind().dialect.name
    last, _xmax = horizon(session)
    written = 0
    for family, (tables, value) in FAMILIES.items():
        for table in tables:
            session.execute(text(f"DELETE FROM {table}"))
        base_table, base_key = next(iter(tables.items()))
        keys = ", ".join(base_key)
        written += session.execute(text(
            f"INSERT INTO {base_table} ({keys}, {value}) {_sql(family, dialect, whole=True)}"),
            {"lo": 0, "hi": last}).rowcount
        for table, key in list(tables.items())[1:]:
            keys = ", ".join(key)
            session.execute(text(
                f"INSERT INTO {table} ({keys}, {value}) SELECT {keys}, sum({value}) "
                f"FROM {base_table} GROUP BY {keys} HAVING sum({value}) <> 0"))
    # An event still uncommitted in this snapshot with an id below `last` would be left out:
    # `check` reports it, and running the repair again (when scans are quiet) rebuilds it.
    session.execute(text("DELETE FROM rollup_marks WHERE name = :name"), {"name": MARK})
    session.execute(text("INSERT INTO rollup_marks (name, folded_to) VALUES (:name, :last)"),
                    {"name": MARK, "last": last})
    return written


def repair(session: Session) -> int:
    """Rebuild every roll-up from the whole stage log; returns the number of base rows."""
    session.rollback()
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        session.execute(text("SET LOCAL work_mem = '256MB'"))
    _lock(session, wait=False)
    written = rebuild(session)
    session.commit()
    return written
