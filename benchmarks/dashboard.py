"""Benchmark: the managers' dashboard JSON at national scale, counters and roll-ups vs scans.

Seeds N devices and their stage events (≈10 per device) with COPY into a dedicated PostgreSQL
database (and a smaller set into SQLite), with the counter totals the event writer would have
kept and the detail roll-ups the fold keeps, then times GET /api/v1/reports/dashboard (with and
without `details=true`) for the whole country and for one département, and the same figures
computed by scanning the devices and stage_events tables (the baselines).

    .venv/bin/python benchmarks/dashboard.py --devices 2000000            # PostgreSQL
    .venv/bin/python benchmarks/dashboard.py --devices 100000 --sqlite    # SQLite
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from collecte.domain.models import Base  # noqa: E402
from collecte.domain.models.reports import ROLLUP_KEYS  # noqa: E402
from collecte.domain.models.rollups import LEAD_TABLES, YIELD_TABLES  # noqa: E402
from collecte.services.counters import GRADED_STAGES  # noqa: E402
from collecte.services.territories import departments  # noqa: E402

KINDS = ["laptop"] * 5 + ["desktop"] * 2 + ["smartphone"] * 2 + ["tablet", "monitor"]
PATH = ["received", "diagnosed", "wiped", "refurbished", "checked", "ready", "reserved",
        "allocated"]
DAYS = 1050  # history spread over ~3 years, ending about now
START = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=DAYS)


def journey(rng: random.Random) -> list[str]:
    """The stages one device went through (first = creation)."""
    r = rng.random()
    if r < 0.03:
        return ["pledged"]
    if r < 0.05:
        return ["pledged", "cancelled"]
    if r < 0.12:
        return ["pledged"] + PATH[: rng.randint(1, 6)]
    if r < 0.22:
        return ["pledged"] + PATH[: rng.randint(1, 4)] + [rng.choice(["parts", "recycled"])]
    if r < 0.30:
        return ["pledged"] + PATH[: rng.randint(6, 7)]
    if r < 0.75:
        return ["pledged"] + PATH
    return ["pledged"] + PATH + ["returned"] + PATH  # handed over, returned, handed over again


def generate(n_devices: int, sites: list[tuple[int, int, str]], seed: int = 7):
    """Yield (device row, [event rows]) in Python (the SQLite seed; PostgreSQL draws the same
    journeys in SQL)."""
    rng = random.Random(seed)
    event_id = 0
    for device_id in range(1, n_devices + 1):
        kind = rng.choice(KINDS)
        grade = rng.choice("AABBBC")
        site_id, operator_id, _dep = sites[rng.randrange(len(sites))]
        stages = journey(rng)
        at = START + dt.timedelta(days=rng.randrange(DAYS - 60), hours=rng.randrange(24))
        events, previous = [], None
        for stage in stages:
            if previous is not None:
                at = at + dt.timedelta(days=rng.randint(1, 5), hours=rng.randrange(8))
            no_site = stage in ("pledged", "cancelled") and previous in (None, "pledged")
            event_id += 1
            events.append((event_id, device_id, previous, stage, None if no_site else site_id,
                           at))
            previous = stage
        final = stages[-1]
        device = (device_id, f"{device_id:09X}", kind, final,
                  grade if final in GRADED_STAGES or final == "allocated" else None,
                  None if final in ("pledged", "cancelled") else site_id, operator_id, at,
                  2010 + device_id % 12, 52 + device_id % 200)
        yield device, events


PG_PATH = "ARRAY[" + ", ".join(f"'{s}'" for s in PATH) + "]"
PG_KINDS = "ARRAY[" + ", ".join(f"'{k}'" for k in KINDS) + "]"
# The same journeys as `journey()`, drawn in SQL from two random numbers per device (r, r2);
# 45 % once through the workshop, 25 % handed over, returned and handed over again: ≈10
# events per device.
PG_JOURNEY = f"""CASE
    WHEN r < 0.03 THEN ARRAY['pledged']
    WHEN r < 0.05 THEN ARRAY['pledged', 'cancelled']
    WHEN r < 0.12 THEN ARRAY['pledged'] || ({PG_PATH})[1:1 + floor(r2 * 6)::int]
    WHEN r < 0.22 THEN ARRAY['pledged'] || ({PG_PATH})[1:1 + floor(r2 * 4)::int]
                       || CASE WHEN r2 * 100 - floor(r2 * 100) < 0.5 THEN 'parts'
                               ELSE 'recycled' END
    WHEN r < 0.30 THEN ARRAY['pledged'] || ({PG_PATH})[1:6 + floor(r2 * 2)::int]
    WHEN r < 0.75 THEN ARRAY['pledged'] || {PG_PATH}
    ELSE ARRAY['pledged'] || {PG_PATH} || ARRAY['returned'] || {PG_PATH} END"""
# Event `o` of a device happens 3 days × (o - 1) after its start plus 0–59 hours: always
# after the previous one, 13 h to 5.5 days apart.
PG_AT = ("j.start_at + (o - 1) * interval '3 days' "
         "+ ((j.device_id::bigint * 7919 + o * 104729) % 60) * interval '1 hour'")


def seed_postgres(url: str, n_devices: int) -> dict:
    """Devices and events generated by PostgreSQL itself (generate_series, unnest), then the
    counters rebuilt by `counters repair` (the recount in SQL): no row crosses to Python."""
    from collecte.services import recount

    admin = make_url(url).set(database="postgres")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    name = make_url(url).database
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    timings = {}
    started = time.perf_counter()
    # Load without the event log's and devices' indexes and foreign keys, then build them once.
    indexes = [i for t in ("stage_events", "devices") for i in Base.metadata.tables[t].indexes]
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL work_mem = '256MB'"))
        for index in indexes:
            conn.execute(text(f"DROP INDEX {index.name}"))
        for table, fk in (("stage_events", "fk_stage_events_device_id_devices"),
                          ("stage_events", "fk_stage_events_site_id_sites"),
                          ("devices", "fk_devices_site_id_sites")):
            conn.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {fk}"))
        conn.execute(text("ALTER TABLE devices DROP CONSTRAINT uq_devices_code"))
        _seed_people(conn)
        conn.execute(text("SELECT setseed(0.42)"))
        conn.execute(text(f"""
            CREATE UNLOGGED TABLE bench_journeys AS
            SELECT j.*, {PG_JOURNEY} AS stages FROM (
                SELECT g AS device_id,
                       ({PG_KINDS})[1 + floor(random() * {len(KINDS)})::int] AS kind,
                       (ARRAY['A', 'A', 'B', 'B', 'B', 'C'])[1 + floor(random() * 6)::int]
                           AS grade,
                       1 + floor(random() * 300)::int AS site_id,
                       random() AS r, random() AS r2,
                       now() - interval '{DAYS} days'
                           + random() * interval '{DAYS - 60} days' AS start_at
                FROM generate_series(1, :n) g) j"""), {"n": n_devices})
        timings["journeys_s"] = time.perf_counter() - started
        graded = ", ".join(f"'{s}'" for s in sorted(GRADED_STAGES | {"allocated"}))
        conn.execute(text(f"""
            INSERT INTO devices (id, code, kind, stage, grade, site_id, operator_id, donor_id,
                                 stage_changed_at, purchase_year, make, model, version,
                                 created_at)
            SELECT j.device_id, upper(lpad(to_hex(j.device_id), 9, '0')), j.kind, last.stage,
                   CASE WHEN last.stage IN ({graded}) THEN j.grade END,
                   CASE WHEN last.stage IN ('pledged', 'cancelled') THEN NULL
                        ELSE j.site_id END,
                   s.operator_id, 52 + j.device_id % 200,
                   {PG_AT.replace('o - 1', 'last.o - 1').replace('o * ', 'last.o * ')},
                   2010 + j.device_id % 12, 'Lenovo', 'T480', 1, j.start_at
            FROM bench_journeys j JOIN sites s ON s.id = j.site_id
            CROSS JOIN LATERAL (SELECT array_length(j.stages, 1) AS o,
                                       j.stages[array_length(j.stages, 1)] AS stage) last"""))
        timings["devices_s"] = time.perf_counter() - started
        conn.execute(text(f"""
            INSERT INTO stage_events (id, device_id, from_stage, to_stage, site_id,
                                      occurred_at, recorded_at)
            SELECT j.device_id * 20 + o, j.device_id, j.stages[o - 1], stage,
                   CASE WHEN stage IN ('pledged', 'cancelled')
                             AND (o = 1 OR j.stages[o - 1] = 'pledged') THEN NULL
                        ELSE j.site_id END,
                   {PG_AT}, {PG_AT}
            FROM bench_journeys j CROSS JOIN LATERAL unnest(j.stages) WITH ORDINALITY
                AS u(stage, o)"""))
        conn.execute(text("SELECT setval(pg_get_serial_sequence('stage_events', 'id'), "
                          "(SELECT max(id) FROM stage_events))"))
        conn.execute(text("SELECT setval(pg_get_serial_sequence('devices', 'id'), "
                          "(SELECT max(id) FROM devices))"))
        conn.execute(text("DROP TABLE bench_journeys"))
        timings["events_s"] = time.perf_counter() - started
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        conn.execute(text("ALTER TABLE devices ADD CONSTRAINT uq_devices_code UNIQUE (code)"))
        for table, fk, column, target in (
                ("stage_events", "fk_stage_events_device_id_devices", "device_id", "devices"),
                ("stage_events", "fk_stage_events_site_id_sites", "site_id", "sites"),
                ("devices", "fk_devices_site_id_sites", "site_id", "sites")):
            conn.execute(text(f"ALTER TABLE {table} ADD CONSTRAINT {fk} FOREIGN KEY "
                              f"({column}) REFERENCES {target} (id)"))
        for index in indexes:
            index.create(conn)
    timings["indexes_s"] = time.perf_counter() - started
    with engine.connect() as conn:
        from sqlalchemy.orm import Session

        with Session(conn) as session:
            totals = recount.repair(session)
        conn.commit()
    timings["counters_s"] = time.perf_counter() - started
    with engine.connect() as conn:
        from sqlalchemy.orm import Session

        from collecte.services import rollups

        with Session(conn) as session:
            detail_rows = rollups.repair(session)
        conn.commit()
    timings["rollups_s"] = time.perf_counter() - started
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("devices", "stage_events", *ROLLUP_KEYS, "counter_deltas", *LEAD_TABLES,
                      *YIELD_TABLES):
            conn.execute(text(f"VACUUM ANALYZE {table}"))
        counts = conn.execute(text("SELECT (SELECT count(*) FROM devices), "
                                   "(SELECT count(*) FROM stage_events)")).one()
        size = conn.execute(text("SELECT pg_size_pretty(pg_database_size(current_database()))"
                                 )).scalar()
    engine.dispose()
    return {"devices": counts[0], "events": counts[1], "counter_totals": totals,
            "detail_rollup_rows": detail_rows, "database": size, **{k: round(v, 1) for k, v in timings.items()},
            "total_s": round(time.perf_counter() - started, 1)}


def _seed_people(conn) -> list[tuple[int, int, str]]:
    """50 operators with 300 sites across the départements, 200 donors, one national
    manager."""
    codes = sorted(departments())
    conn.execute(text("INSERT INTO organisations (id, kind, name, is_approved) VALUES "
                      "(1, 'coordinator', 'Coordination nationale', true)"))
    conn.execute(text("INSERT INTO organisations (id, kind, name, is_approved) SELECT g, "
                      "'workshop_operator', 'Atelier ' || g, true FROM generate_series(2, 51) g"))
    conn.execute(text("INSERT INTO organisations (id, kind, name, is_approved) SELECT g, "
                      "'donor_company', 'Donateur ' || g, true FROM generate_series(52, 251) g"))
    sites = []
    for site_id in range(1, 301):
        operator_id, dep = 2 + site_id % 50, codes[site_id % len(codes)]
        sites.append((site_id, operator_id, dep))
    conn.execute(text("INSERT INTO sites (id, operator_id, name, address, department_code) "
                      "VALUES (:i, :o, :n, '', :d)"),
                 [{"i": s, "o": o, "n": f"Site {s}", "d": d} for s, o, d in sites])
    conn.execute(text("INSERT INTO users (id, email, name, password_hash, role, "
                      "organisation_id, is_active) VALUES (1, 'bench@example.org', 'Bench', "
                      "'x', 'manager', 1, true)"))
    return sites


def seed_sqlite(path: Path, n_devices: int) -> dict:
    import sqlite3

    if path.exists():
        path.unlink()
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()
    started = time.perf_counter()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("INSERT INTO organisations (id, kind, name, is_approved, created_at) VALUES "
                 "(1, 'coordinator', 'Coordination nationale', 1, '2025-01-01 00:00:00')")
    codes = sorted(departments())
    sites = [(s, 2 + s % 50, codes[s % len(codes)]) for s in range(1, 301)]
    conn.executemany("INSERT INTO organisations (id, kind, name, is_approved, created_at) "
                     "VALUES (?, 'workshop_operator', ?, 1, '2025-01-01 00:00:00')",
                     [(o, f"Atelier {o}") for o in range(2, 52)])
    conn.executemany("INSERT INTO organisations (id, kind, name, is_approved, created_at) "
                     "VALUES (?, 'donor_company', ?, 1, '2025-01-01 00:00:00')",
                     [(o, f"Donateur {o}") for o in range(52, 252)])
    conn.executemany("INSERT INTO sites (id, operator_id, name, address, department_code, "
                     "created_at) VALUES (?, ?, ?, '', ?, '2025-01-01 00:00:00')",
                     [(s, o, f"Site {s}", d) for s, o, d in sites])
    conn.execute("INSERT INTO users (id, email, name, password_hash, role, organisation_id, "
                 "is_active, created_at) VALUES (1, 'bench@example.org', 'Bench', 'x', "
                 "'manager', 1, 1, '2025-01-01 00:00:00')")

    def ts(moment):
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")

    n_events = 0
    devices, events = [], []
    for device, device_events in generate(n_devices, sites):
        d = list(device)
        d[7] = ts(d[7])
        devices.append((*d, "Lenovo", "T480", 1, d[7]))
        events.extend((e[0], e[1], e[2], e[3], e[4], ts(e[5]), ts(e[5])) for e in device_events)
        if len(events) > 200_000:
            _flush_sqlite(conn, devices, events)
            n_events += len(events)
            devices, events = [], []
    n_events += len(events)
    _flush_sqlite(conn, devices, events)
    conn.commit()
    conn.close()
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as sa_conn:
        from sqlalchemy.orm import Session

        from collecte.services import recount

        with Session(sa_conn) as session:
            totals = recount.repair(session)
        sa_conn.commit()
        from collecte.services import rollups

        with Session(sa_conn) as session:
            rollups.repair(session)
        sa_conn.commit()
        sa_conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return {"devices": n_devices, "events": n_events, "counter_totals": totals,
            "total_s": round(time.perf_counter() - started, 1)}


def _flush_sqlite(conn, devices, events) -> None:
    conn.executemany("INSERT INTO devices (id, code, kind, stage, grade, site_id, operator_id, "
                     "stage_changed_at, purchase_year, donor_id, make, model, version, "
                     "created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", devices)
    conn.executemany("INSERT INTO stage_events (id, device_id, from_stage, to_stage, site_id, "
                     "occurred_at, recorded_at) VALUES (?,?,?,?,?,?,?)", events)


def baseline_queries(dialect: str, department: str | None) -> list[str]:
    """The dashboard's counter-based figures computed by scanning devices and stage_events."""
    plus_30 = ("a.occurred_at + interval '30 days'" if dialect == "postgresql"
               else "datetime(a.occurred_at, '+30 days')")
    since_90 = ("now() - interval '90 days'" if dialect == "postgresql"
                else "datetime('now', '-90 days')")
    ev_site = (f" JOIN sites s ON s.id = a.site_id AND s.department_code = '{department}'"
               if department else "")
    dev_site = (f" JOIN sites s ON s.id = d.site_id AND s.department_code = '{department}'"
                if department else "")
    return [
        f"SELECT count(*) FROM stage_events a{ev_site} WHERE a.to_stage = 'allocated' AND NOT "
        "EXISTS (SELECT 1 FROM stage_events r WHERE r.device_id = a.device_id AND "
        f"r.from_stage = 'allocated' AND r.to_stage = 'returned' AND r.id > a.id AND "
        f"r.occurred_at <= {plus_30})",
        f"SELECT count(*) FROM stage_events a{ev_site} WHERE a.to_stage = 'allocated' AND "
        f"a.occurred_at >= {since_90}",
        f"SELECT a.to_stage, count(*) FROM stage_events a{ev_site} GROUP BY a.to_stage",
        f"SELECT d.stage, count(*) FROM devices d{dev_site} GROUP BY d.stage",
        f"SELECT d.site_id, d.kind, d.grade, count(*) FROM devices d{dev_site} "
        "WHERE d.stage = 'ready' GROUP BY d.site_id, d.kind, d.grade",
        "SELECT s.department_code, count(*) FROM stage_events a JOIN sites s ON s.id = "
        "a.site_id WHERE a.to_stage = 'allocated'"
        + (f" AND s.department_code = '{department}'" if department else "")
        + " GROUP BY s.department_code",
        f"SELECT d.kind, a.to_stage, count(*) FROM stage_events a{ev_site} JOIN devices d ON "
        "d.id = a.device_id WHERE a.to_stage IN ('ready', 'parts', 'recycled') "
        "GROUP BY d.kind, a.to_stage",
    ]


def measure(url: str, runs: int, baseline_runs: int, department: str,
            details_runs: int = 3) -> dict:
    from collecte import create_app
    from collecte.domain.models import User
    from collecte.extensions import db
    from collecte.services.users import create_token

    tmp = tempfile.mkdtemp()
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": tmp,
                      "JOBS_MODE": "record", "RATELIMIT_ENABLED": False, "SERVER_NAME": None})
    out = {}
    gc.freeze()  # as gunicorn's worker does once the app is built (collecte/gunicorn_conf.py)
    with app.app_context():
        token = create_token(db.session.get(User, 1), "bench")
        db.session.commit()
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        for label, query, n in (("national", "", runs), ("departement", f"?departement="
                                f"{department}", runs),
                                ("national+details", "?details=true", details_runs),
                                ("departement+details", f"?departement={department}"
                                 "&details=true", details_runs)):
            if not n:
                continue
            warm_up = 2 if "details" not in label else 1
            timings, cpu = [], []
            for i in range(n + warm_up):
                started, cpu_started = time.perf_counter(), time.process_time()
                response = client.get(f"/api/v1/reports/dashboard{query}")
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, response.data[:300]
                if i >= warm_up:
                    timings.append(elapsed)
                    cpu.append((time.process_time() - cpu_started) * 1000)
            # CPU time of this process (client, Flask, service, JSON; not the database
            # server's): what the call costs whatever the other processes do to wall time.
            out[label] = _stats(timings) | {"cpu_median_ms": round(statistics.median(cpu), 1)}
        dialect = db.engine.dialect.name
        for label, dep in (("baseline national", None), ("baseline departement", department)):
            if not baseline_runs:
                continue
            timings = []
            for _ in range(baseline_runs):
                started = time.perf_counter()
                with db.engine.connect() as conn:
                    for sql in baseline_queries(dialect, dep):
                        conn.execute(text(sql)).all()
                timings.append((time.perf_counter() - started) * 1000)
            out[label] = _stats(timings)
        from collecte.services import dashboard

        # The details as they were computed before the roll-ups: scans of stage_events and
        # devices (the reference functions the tests compare the roll-ups with).
        for label, f in (("baseline details national", dashboard.Filters()),
                         ("baseline details departement",
                          dashboard.Filters(department=department))):
            if not baseline_runs:
                continue
            timings = []
            for _ in range(baseline_runs):
                started = time.perf_counter()
                dashboard.yield_details_scan(f)
                dashboard.lead_times_scan(f)
                dashboard.waiting(f)
                db.session.rollback()
                timings.append((time.perf_counter() - started) * 1000)
            out[label] = _stats(timings)
        db.engine.dispose()
    return out


def explain(url: str, department: str) -> None:
    """Print EXPLAIN ANALYZE of every statement one dashboard call runs (PostgreSQL)."""
    from sqlalchemy import event

    from collecte import create_app
    from collecte.domain.models import User
    from collecte.extensions import db
    from collecte.services import dashboard

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                      "DATA_DIR": tempfile.mkdtemp(), "JOBS_MODE": "record"})
    with app.app_context():
        user = db.session.get(User, 1)
        for label, filters in (("national", dashboard.Filters()),
                               ("departement", dashboard.Filters(department=department))):
            seen: list = []

            def record(conn, cursor, statement, parameters, context, executemany, seen=seen):
                if statement.lstrip().upper().startswith("SELECT"):
                    seen.append((statement, parameters))

            event.listen(db.engine, "before_cursor_execute", record)
            started = time.perf_counter()
            dashboard.dashboard(user, filters, details=False)
            total = (time.perf_counter() - started) * 1000
            event.remove(db.engine, "before_cursor_execute", record)
            print(f"== {label}: {len(seen)} statements, {total:.1f} ms in all", flush=True)
            with db.engine.connect() as conn:
                cursor = conn.connection.driver_connection.cursor()
                for statement, parameters in seen:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                    plan = [r[0] for r in cursor.fetchall()]
                    print(f"-- {plan[-1].strip()}  | {' '.join(statement.split())[:150]}")
                    print("   " + "\n   ".join(plan[:-2]) if "--plans" in sys.argv else "",
                          end="\n" if "--plans" in sys.argv else "")
        db.engine.dispose()


def _stats(timings: list[float]) -> dict:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"runs": len(ordered), "median_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(p95, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=2_000_000)
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/"
                                            "collecte_bench")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--sqlite-path", default="/tmp/collecte_bench.sqlite")
    parser.add_argument("--skip-seed", action="store_true")
    parser.add_argument("--seed-only", action="store_true")
    parser.add_argument("--explain", action="store_true",
                        help="print EXPLAIN ANALYZE of each statement (add --plans for plans)")
    parser.add_argument("--plans", action="store_true")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--baseline-runs", type=int, default=3)
    parser.add_argument("--details-runs", type=int, default=3,
                        help="timed calls with ?details=true (0: skip them)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="measure this many times (medians of each run are printed)")
    parser.add_argument("--departement", default="75")
    args = parser.parse_args()
    url = f"sqlite:///{args.sqlite_path}" if args.sqlite else args.pg_url
    if not args.skip_seed:
        seeded = (seed_sqlite(Path(args.sqlite_path), args.devices) if args.sqlite
                  else seed_postgres(args.pg_url, args.devices))
        print("seeded:", seeded, flush=True)
    if args.seed_only:
        return
    if args.explain:
        explain(url, args.departement)
        return
    for run in range(1, args.repeat + 1):
        print(f"run {run}/{args.repeat}, load average {os.getloadavg()}", flush=True)
        for label, figures in measure(url, args.runs, args.baseline_runs, args.departement,
                                      args.details_runs).items():
            print(f"{label:24} {figures}", flush=True)


if __name__ == "__main__":
    main()
