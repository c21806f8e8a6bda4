"""Benchmark: the managers' dashboard JSON at national scale, counters vs full scans.

Seeds N devices and their stage events (≈10 per device) with COPY into a dedicated PostgreSQL
database (and a smaller set into SQLite), with the counter totals the event writer would have
kept, then times GET /api/v1/reports/dashboard for the whole country and for one département,
and the same figures computed by scanning the devices and stage_events tables (the baseline).

    .venv/bin/python benchmarks/dashboard.py --devices 2000000            # PostgreSQL
    .venv/bin/python benchmarks/dashboard.py --devices 100000 --sqlite    # SQLite
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from collecte.domain.goal import RETURN_WINDOW_DAYS  # noqa: E402
from collecte.domain.models import Base  # noqa: E402
from collecte.services.counters import GRADED_STAGES  # noqa: E402
from collecte.services.territories import departments  # noqa: E402

KINDS = ["laptop"] * 5 + ["desktop"] * 2 + ["smartphone"] * 2 + ["tablet", "monitor"]
PATH = ["received", "diagnosed", "wiped", "refurbished", "checked", "ready", "reserved",
        "allocated"]
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
DAYS = 1050  # history spread over ~3 years, ending about now


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
    if r < 0.80:
        return ["pledged"] + PATH
    return ["pledged"] + PATH + ["returned"] + PATH  # handed over, returned, handed over again


def generate(n_devices: int, sites: list[tuple[int, int, str]], seed: int = 7):
    """Yield (device row, [event rows]) and fill the counter totals the writer would keep."""
    rng = random.Random(seed)
    totals: dict = {}

    def add(key, stock=0, entered=0, goal=0):
        v = totals.get(key)
        if v is None:
            totals[key] = [stock, entered, goal]
        else:
            v[0] += stock
            v[1] += entered
            v[2] += goal

    event_id = 0
    for device_id in range(1, n_devices + 1):
        kind = rng.choice(KINDS)
        grade = rng.choice("AABBBC")
        site_id, operator_id, dep = sites[rng.randrange(len(sites))]
        stages = journey(rng)
        at = START + dt.timedelta(days=rng.randrange(DAYS - 60), hours=rng.randrange(24))
        events, previous, old_place = [], None, None
        allocated_at = None
        for stage in stages:
            if previous is not None:
                at = at + dt.timedelta(days=rng.randint(1, 5), hours=rng.randrange(8))
            place = (0, operator_id, "") if stage in ("pledged", "cancelled") and (
                previous in (None, "pledged")) else (site_id, operator_id, dep)
            event_id += 1
            events.append((event_id, device_id, previous, stage, place[0] or None, at))
            day = at.date()
            if previous is not None:
                add((day, *old_place, kind, grade if previous in GRADED_STAGES else "",
                     previous), stock=-1)
                if previous == "allocated" and stage == "returned" and \
                        at - allocated_at <= dt.timedelta(days=RETURN_WINDOW_DAYS):
                    add((allocated_at.date(), *old_place, kind, grade, "allocated"), goal=-1)
            add((day, *place, kind, grade if stage in GRADED_STAGES else "", stage), stock=1,
                entered=1, goal=1 if stage == "allocated" else 0)
            if stage == "allocated":
                allocated_at = at
            previous, old_place = stage, place
        final = stages[-1]
        device = (device_id, f"{device_id:09X}", kind, final,
                  grade if final in GRADED_STAGES or final == "allocated" else None,
                  None if final in ("pledged", "cancelled") else site_id, operator_id, at,
                  2010 + device_id % 12)
        yield device, events
    generate.totals = totals


def _csv(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def seed_postgres(url: str, n_devices: int) -> dict:
    import psycopg

    admin = make_url(url).set(database="postgres")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    name = make_url(url).database
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    # Load without the event log's indexes and foreign keys, then build them once.
    event_indexes = [i for i in Base.metadata.tables["stage_events"].indexes]
    started = time.perf_counter()
    with engine.begin() as conn:
        for index in event_indexes:
            conn.execute(text(f"DROP INDEX {index.name}"))
        conn.execute(text("ALTER TABLE stage_events DROP CONSTRAINT IF EXISTS "
                          "fk_stage_events_device_id_devices"))
        conn.execute(text("ALTER TABLE devices DROP CONSTRAINT uq_devices_code"))
        sites = _seed_people(conn)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(False)
    n_events = 0
    # One COPY per connection: devices and events stream side by side on two connections.
    with psycopg.connect(dsn) as pg_dev, psycopg.connect(dsn) as pg_ev:
        with pg_dev.cursor().copy(
                "COPY devices (id, code, kind, stage, grade, site_id, operator_id, "
                "stage_changed_at, purchase_year, make, model, version, created_at) "
                "FROM STDIN") as dev_copy, \
             pg_ev.cursor().copy("COPY stage_events (id, device_id, from_stage, to_stage, "
                                 "site_id, occurred_at, recorded_at) FROM STDIN") as ev_copy:
            dev_buf, ev_buf = io.StringIO(), io.StringIO()
            for device, events in generate(n_devices, sites):
                dev_buf.write("\t".join(_csv(v) for v in device)
                              + f"\tLenovo\tT480\t1\t{device[7].isoformat()}\n")
                for e in events:
                    ev_buf.write("\t".join(_csv(v) for v in e) + f"\t{e[5].isoformat()}\n")
                n_events += len(events)
                if dev_buf.tell() > 4_000_000:
                    dev_copy.write(dev_buf.getvalue())
                    dev_buf = io.StringIO()
                if ev_buf.tell() > 8_000_000:
                    ev_copy.write(ev_buf.getvalue())
                    ev_buf = io.StringIO()
            dev_copy.write(dev_buf.getvalue())
            ev_copy.write(ev_buf.getvalue())
        _copy_totals(pg_dev.cursor(), generate.totals)
    loaded = time.perf_counter() - started
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE devices ADD CONSTRAINT uq_devices_code UNIQUE (code)"))
        conn.execute(text("ALTER TABLE stage_events ADD CONSTRAINT "
                          "fk_stage_events_device_id_devices FOREIGN KEY (device_id) "
                          "REFERENCES devices (id)"))
        for index in event_indexes:
            index.create(conn)
        for table in ("devices", "stage_events", "counter_totals", "counter_all_time"):
            conn.execute(text(f"ANALYZE {table}"))
    engine.dispose()
    return {"devices": n_devices, "events": n_events, "load_s": loaded,
            "total_s": time.perf_counter() - started, "totals": len(generate.totals)}


def _seed_people(conn) -> list[tuple[int, int, str]]:
    """50 operators with 300 sites across the départements, one national manager."""
    codes = sorted(departments())
    conn.execute(text("INSERT INTO organisations (id, kind, name, is_approved) VALUES "
                      "(1, 'coordinator', 'Coordination nationale', true)"))
    conn.execute(text("INSERT INTO organisations (id, kind, name, is_approved) SELECT g, "
                      "'workshop_operator', 'Atelier ' || g, true FROM generate_series(2, 51) g"))
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


def _copy_totals(cur, totals: dict) -> None:
    all_time: dict = {}
    with cur.copy("COPY counter_totals (day, site_id, operator_id, department_code, kind, "
                  "grade, stage, stock, entered, goal) FROM STDIN") as copy:
        for key, v in totals.items():
            if any(v):
                copy.write_row((*key, *v))
            a = all_time.setdefault(key[1:], [0, 0, 0])
            for i in range(3):
                a[i] += v[i]
    with cur.copy("COPY counter_all_time (site_id, operator_id, department_code, kind, grade, "
                  "stage, stock, entered, goal) FROM STDIN") as copy:
        for key, v in all_time.items():
            if any(v):
                copy.write_row((*key, *v))


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
    all_time: dict = {}
    for key, v in generate.totals.items():
        a = all_time.setdefault(key[1:], [0, 0, 0])
        for i in range(3):
            a[i] += v[i]
    conn.executemany("INSERT INTO counter_totals (day, site_id, operator_id, department_code, "
                     "kind, grade, stage, stock, entered, goal) VALUES (?,?,?,?,?,?,?,?,?,?)",
                     [(k[0].isoformat(), *k[1:], *v) for k, v in generate.totals.items()
                      if any(v)])
    conn.executemany("INSERT INTO counter_all_time (site_id, operator_id, department_code, kind,"
                     " grade, stage, stock, entered, goal) VALUES (?,?,?,?,?,?,?,?,?)",
                     [(*k, *v) for k, v in all_time.items() if any(v)])
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    return {"devices": n_devices, "events": n_events, "total_s": time.perf_counter() - started,
            "totals": len(generate.totals)}


def _flush_sqlite(conn, devices, events) -> None:
    conn.executemany("INSERT INTO devices (id, code, kind, stage, grade, site_id, operator_id, "
                     "stage_changed_at, purchase_year, make, model, version, created_at) "
                     "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", devices)
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


def measure(url: str, runs: int, baseline_runs: int, department: str) -> dict:
    from collecte import create_app
    from collecte.domain.models import User
    from collecte.extensions import db
    from collecte.services.users import create_token

    tmp = tempfile.mkdtemp()
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": tmp,
                      "JOBS_MODE": "record", "RATELIMIT_ENABLED": False, "SERVER_NAME": None})
    out = {}
    with app.app_context():
        token = create_token(db.session.get(User, 1), "bench")
        db.session.commit()
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        for label, query, n in (("national", "", runs), ("departement", f"?departement="
                                f"{department}", runs),
                                ("national+details", "?details=true", max(runs // 10, 3)),
                                ("departement+details", f"?departement={department}"
                                 "&details=true", max(runs // 10, 3))):
            timings = []
            for i in range(n + 2):
                started = time.perf_counter()
                response = client.get(f"/api/v1/reports/dashboard{query}")
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, response.data[:300]
                if i >= 2:  # two warm-up calls
                    timings.append(elapsed)
            out[label] = _stats(timings)
        dialect = db.engine.dialect.name
        for label, dep in (("baseline national", None), ("baseline departement", department)):
            timings = []
            for _ in range(baseline_runs):
                started = time.perf_counter()
                with db.engine.connect() as conn:
                    for sql in baseline_queries(dialect, dep):
                        conn.execute(text(sql)).all()
                timings.append((time.perf_counter() - started) * 1000)
            out[label] = _stats(timings)
        db.engine.dispose()
    return out


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
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--baseline-runs", type=int, default=3)
    parser.add_argument("--departement", default="75")
    args = parser.parse_args()
    url = f"sqlite:///{args.sqlite_path}" if args.sqlite else args.pg_url
    if not args.skip_seed:
        seeded = (seed_sqlite(Path(args.sqlite_path), args.devices) if args.sqlite
                  else seed_postgres(args.pg_url, args.devices))
        print("seeded:", seeded, flush=True)
    for label, figures in measure(url, args.runs, args.baseline_runs, args.departement).items():
        print(f"{label:24} {figures}", flush=True)


if __name__ == "__main__":
    main()
