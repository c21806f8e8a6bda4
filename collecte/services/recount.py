"""The dashboard counters recounted by the database itself, from stage_events and devices.

One grouped query with window functions (no rows travel to Python), so that `counters check`
and `counters repair` stay usable at 20 million events: the Python `counters.recount()` is the
readable reference, this is the same rules in SQL (tests compare the two).
"""

# The SQL here is assembled from the model's column and table names only (COUNTER_KEY,
# ROLLUP_KEYS, stage names); no value from a request or a user is ever formatted into it.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..domain.goal import RETURN_WINDOW_DAYS
from ..domain.models.reports import COUNTER_KEY, COUNTER_VALUES, ROLLUP_KEYS
from ..errors import Conflict

FOLD_LOCK = 0x636F756E74  # the advisory lock `counters.fold()` holds (PostgreSQL)


def _graded() -> str:
    from .counters import GRADED_STAGES

    return ", ".join(f"'{s}'" for s in sorted(GRADED_STAGES))


def _dialect_bits(dialect: str) -> tuple[str, str]:
    """(day of the moment `{}`, "moment `{a}` is at most the return window after `{b}`")."""
    if dialect == "postgresql":
        return ("(({}) AT TIME ZONE 'UTC')::date",
                f"{{a}} <= {{b}} + interval '{RETURN_WINDOW_DAYS} days'")
    # SQLite stores UTC moments as text without an offset.
    return ("date({})", f"julianday({{a}}) - julianday({{b}}) <= {RETURN_WINDOW_DAYS}")


def recount_sql(dialect: str) -> str:
    """SELECT day, site_id, operator_id, department_code, kind, grade, stage, stock, entered,
    goal: every non-zero counter key, rebuilt like `counters.recount()`.

    Per device, in event order: a transfer (same stage, not the first event) moves one unit of
    stock between places; any other event adds one at its place and stage (and one to the goal
    for a handover) and, unless it is the first, takes one from the previous place and stage;
    a return within the window after the last handover takes that handover out of the goal, on
    the handover's day."""
    day, within = _dialect_bits(dialect)
    graded = _graded()

    def grade(stage: str) -> str:
        return f"CASE WHEN {stage} IN ({graded}) THEN COALESCE(d.grade, '') ELSE '' END"

    def place(alias: str) -> str:
        return (f"COALESCE({alias}.id, 0) AS site_id, "
                f"CASE WHEN {alias}.id IS NULL THEN COALESCE(d.operator_id, 0) "
                f"ELSE {alias}.operator_id END AS operator_id, "
                f"COALESCE({alias}.department_code, '') AS department_code")

    return f"""
WITH lagged AS (
    SELECT e.id, e.device_id, e.from_stage, e.to_stage, e.site_id, e.occurred_at,
           lag(e.id) OVER w AS prev_id,
           lag(e.site_id) OVER w AS prev_site_id,
           lag(e.to_stage) OVER w AS prev_stage
    FROM stage_events e
    WINDOW w AS (PARTITION BY e.device_id ORDER BY e.id)
), moves AS (
    SELECT l.*,
           CASE WHEN l.prev_id IS NOT NULL AND l.from_stage IS NOT NULL
                     AND l.from_stage = l.to_stage THEN 1 ELSE 0 END AS is_transfer
    FROM lagged l
), marked AS (
    SELECT m.*, CASE WHEN m.is_transfer = 1 THEN m.to_stage ELSE m.prev_stage END AS left_stage
    FROM moves m
), timed AS (
    -- the last event before this one that was not a transfer (the handover, for a return)
    SELECT m.*,
           max(CASE WHEN m.is_transfer = 0 THEN m.id END) OVER (
               PARTITION BY m.device_id ORDER BY m.id
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS moved_id
    FROM marked m
), parts AS (
    -- arrivals (a transfer adds stock only)
    SELECT {day.format('t.occurred_at')} AS day, {place('here')},
           d.kind, {grade('t.to_stage')} AS grade, t.to_stage AS stage,
           1 AS stock, 1 - t.is_transfer AS entered,
           CASE WHEN t.to_stage = 'allocated' AND t.is_transfer = 0 THEN 1 ELSE 0 END AS goal
    FROM timed t JOIN devices d ON d.id = t.device_id
    LEFT JOIN sites here ON here.id = t.site_id
    UNION ALL
    -- departures from the previous place and stage
    SELECT {day.format('t.occurred_at')}, {place('before')},
           d.kind, {grade('t.left_stage')}, t.left_stage, -1, 0, 0
    FROM timed t JOIN devices d ON d.id = t.device_id
    LEFT JOIN sites before ON before.id = t.prev_site_id
    WHERE t.prev_id IS NOT NULL AND t.from_stage IS NOT NULL
    UNION ALL
    -- a return soon after the handover: the handover no longer counts toward the goal
    SELECT {day.format('handover.occurred_at')}, {place('before')},
           d.kind, {grade("'allocated'")}, 'allocated', 0, 0, -1
    FROM timed t JOIN devices d ON d.id = t.device_id
    JOIN stage_events handover ON handover.id = t.moved_id
    LEFT JOIN sites before ON before.id = t.prev_site_id
    WHERE t.is_transfer = 0 AND t.prev_id IS NOT NULL AND t.from_stage IS NOT NULL
      AND t.prev_stage = 'allocated' AND t.to_stage = 'returned'
      AND {within.format(a='t.occurred_at', b='handover.occurred_at')}
)
SELECT {", ".join(COUNTER_KEY)}, sum(stock) AS stock, sum(entered) AS entered, sum(goal) AS goal
FROM parts
GROUP BY {", ".join(COUNTER_KEY)}
HAVING sum(stock) <> 0 OR sum(entered) <> 0 OR sum(goal) <> 0
"""


def recounted(session: Session) -> dict[tuple, list[int]]:
    """The recount as a dict like `counters.recount()` (for tests and small databases)."""
    out = {}
    for row in session.execute(text(recount_sql(session.get_bind().dialect.name))):
        day = row[0] if isinstance(row[0], dt.date) else dt.date.fromisoformat(row[0])
        out[(day, *row[1:len(COUNTER_KEY)])] = [int(v) for v in row[len(COUNTER_KEY):]]
    return out


def _compare(left: str, right: str, key: tuple[str, ...], limit: int) -> str:
    """Keys whose summed values differ between two selects of key + values (a missing key
    counts as zeros): key..., left values, right values. Two LEFT JOINs rather than a FULL
    JOIN, which SQLite lacks before 3.39."""
    keys, values = ", ".join(key), COUNTER_VALUES

    def summed(sql: str) -> str:
        return (f"SELECT {keys}, " + ", ".join(f"sum({v}) AS {v}" for v in values)
                + f" FROM ({sql}) x GROUP BY {keys}")

    same = " AND ".join(f"a.{c} = b.{c}" for c in key)
    differs = " OR ".join(f"COALESCE(a.{v}, 0) <> COALESCE(b.{v}, 0)" for v in values)
    shown = ", ".join(f"a.{v}" for v in values) + ", " + ", ".join(f"b.{v}" for v in values)
    return f"""
WITH a AS ({summed(left)}), b AS ({summed(right)})
SELECT {", ".join(f"a.{c}" for c in key)}, {shown}
FROM a LEFT JOIN b ON {same} WHERE {differs}
UNION ALL
SELECT {", ".join(f"b.{c}" for c in key)}, {shown}
FROM b LEFT JOIN a ON {same} WHERE a.{key[0]} IS NULL AND ({differs})
LIMIT {int(limit)}
"""


def _union(*tables: str, columns: tuple[str, ...]) -> str:
    cols = ", ".join(columns)
    return " UNION ALL ".join(f"SELECT {cols} FROM {t}" for t in tables)


def _prepare(session: Session) -> str:
    """Start the transaction. On PostgreSQL it reads one snapshot throughout (REPEATABLE READ):
    the events, the deltas and the totals it sees are those of the same instant, whatever the
    scans and the fold commit meanwhile (a scan commits its event and its deltas together; a
    fold moves deltas into totals in one transaction)."""
    session.rollback()
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        session.execute(text("SET LOCAL work_mem = '256MB'"))
    return dialect


def check(session: Session, limit: int = 1000) -> list[str]:
    """Differences between the counters (folded tables and deltas) and a full recount, between
    every roll-up and the daily totals it is folded from, and between the counted stock and the
    devices table; empty when everything agrees. At most `limit` lines per comparison."""
    dialect = _prepare(session)
    problems = []
    current = _union("counter_totals", "counter_deltas", columns=COUNTER_KEY + COUNTER_VALUES)
    for *key, h1, h2, h3, w1, w2, w3 in session.execute(text(_compare(
            current, recount_sql(dialect), COUNTER_KEY, limit))):
        problems.append(f"{tuple(key)}: counters {[h1, h2, h3]} ≠ recount {[w1, w2, w3]}")
    for table, key in ROLLUP_KEYS.items():
        if table == "counter_totals":
            continue
        for *k, r1, r2, r3, t1, t2, t3 in session.execute(text(_compare(
                _union(table, columns=key + COUNTER_VALUES),
                _union("counter_totals", columns=key + COUNTER_VALUES), key, limit))):
            problems.append(f"{table} {tuple(k)}: {[r1, r2, r3]} ≠ daily totals "
                            f"{[t1, t2, t3]}")
    counted = _union("counter_totals", "counter_deltas",
                     columns=("site_id", "operator_id", "kind", "stage", "stock"))
    devices = ("SELECT COALESCE(d.site_id, 0) AS site_id, "
               "COALESCE(s.operator_id, d.operator_id, 0) AS operator_id, d.kind, d.stage, "
               "1 AS stock, 0 AS entered, 0 AS goal "
               "FROM devices d LEFT JOIN sites s ON s.id = d.site_id")
    stock_key = ("site_id", "operator_id", "kind", "stage")
    counted = (f"SELECT {', '.join(stock_key)}, stock, 0 AS entered, 0 AS goal "
               f"FROM ({counted}) c")
    for *k, c, _e, _g, n, _e2, _g2 in session.execute(text(_compare(
            counted, devices, stock_key, limit))):
        problems.append(f"{tuple(k)}: counted stock {c or 0} ≠ devices {n or 0}")
    session.rollback()
    return problems


def _lock_folds(session: Session) -> None:
    """Keep folds out until the repair commits (not waiting: a fold that committed after this
    snapshot was taken would make the repair's deletes fail)."""
    if not session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": FOLD_LOCK}):
        session.rollback()
        raise Conflict("Un regroupement des compteurs est en cours : relancez la réparation.",
                       code="fold-running")


def repair(session: Session) -> int:
    """Replace every counter by the full recount (in the database); returns the number of
    daily total rows written."""
    dialect = _prepare(session)
    if dialect == "postgresql":
        _lock_folds(session)
    # Scans go on meanwhile (the recount takes minutes at 20 M events): in this snapshot, the
    # deltas deleted are exactly those of the events recounted; those committed later stay, to
    # be folded onto the recount. (SQLite: writers wait for the lock anyway.)
    for table in ("counter_deltas", *ROLLUP_KEYS):
        session.execute(text(f"DELETE FROM {table}"))
    columns = ", ".join(COUNTER_KEY + COUNTER_VALUES)
    written = session.execute(text(
        f"INSERT INTO counter_totals ({columns}) {recount_sql(dialect)}")).rowcount
    for table, key in ROLLUP_KEYS.items():
        if table != "counter_totals":
            keys = ", ".join(key)
            session.execute(text(
                f"INSERT INTO {table} ({keys}, stock, entered, goal) "
                f"SELECT {keys}, sum(stock), sum(entered), sum(goal) FROM counter_totals "
                f"GROUP BY {keys} HAVING sum(stock) <> 0 OR sum(entered) <> 0 OR sum(goal) <> 0"))
    session.commit()
    return written
