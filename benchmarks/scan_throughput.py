"""Scan throughput: authenticated POST /api/v1/scans under gunicorn, 8 concurrent clients.

Next to two references doing the same SQL transaction: (a) directly with psycopg, (b) a bare
Flask route under the same gunicorn settings. Target: >= 60 % of (b)'s throughput, p99 < 50 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._common import (  # noqa: E402
    ROOT,
    fresh_database,
    machine,
    median,
    percentile,
    today,
    write_section,
)

DB_NAME = "collecte_bench_scan"
PORT_APP, PORT_BARE = 18081, 18082
# As docker-compose.yml runs it (less the access log), for the app and for (b) alike: the
# production config (gc.freeze() once a worker has built its app), 4 sync workers.
GUNICORN = ["--config", "python:collecte.gunicorn_conf", "--workers", "4", "--worker-class",
            "sync", "--bind"]

# The scan transaction's SQL, statement for statement what the endpoint sends (checked with
# SQLAlchemy's statement log), as both references run it: the token's user with its organisation,
# the device in the caller's scope with its site and the earlier event of this client event id,
# then one statement for the conditional update, the stage event and the two counter delta rows.
SQL_TOKEN = (
    "SELECT users.id, users.email, users.name, users.role, users.organisation_id, users.site_id, "
    "users.locale, organisations.kind, organisations.name, organisations.region_code "
    "FROM users JOIN api_tokens ON api_tokens.user_id = users.id JOIN organisations "
    "ON organisations.id = users.organisation_id WHERE api_tokens.token_hash = %s "
    "AND api_tokens.revoked_at IS NULL AND users.is_active IS true")
SQL_DEVICE = (
    "SELECT devices.id, devices.code, devices.kind, devices.make, devices.model, devices.serial, "
    "devices.asset_tag, devices.grade, devices.stage, devices.stage_changed_at, "
    "devices.outcome_reason, devices.donor_id, devices.operator_id, devices.site_id, "
    "devices.pledge_id, devices.version, sites.id, sites.operator_id, sites.name, "
    "sites.department_code, stage_events.id, stage_events.device_id, stage_events.to_stage "
    "FROM devices LEFT OUTER JOIN sites ON sites.id = devices.site_id LEFT OUTER JOIN "
    "stage_events ON stage_events.client_event_id = %s "
    "WHERE devices.code = %s AND devices.operator_id = %s")
_DELTA = "SELECT %s::date, %s, %s, %s, %s, %s, %s, %s, %s, %s FROM moved"
SQL_MOVE = (
    "WITH moved AS (UPDATE devices SET stage = %s, stage_changed_at = %s, site_id = %s, "
    "version = devices.version + 1 WHERE devices.id = %s AND devices.stage = %s "
    "AND devices.version = %s RETURNING devices.id), "
    "event AS (INSERT INTO stage_events (device_id, from_stage, to_stage, actor_id, site_id, "
    "occurred_at, recorded_at, note, client_event_id) SELECT moved.id, %s, %s, %s, %s, %s, %s, "
    "%s, %s FROM moved RETURNING stage_events.id), "
    "deltas AS (INSERT INTO counter_deltas (day, site_id, operator_id, department_code, kind, "
    f"grade, stage, stock, entered, goal) {_DELTA} UNION ALL {_DELTA} "
    "RETURNING counter_deltas.id) SELECT event.id FROM event")


def scan_transaction(conn, digest: str, code: str, event_id: str):
    """(a) and (b): the endpoint's transaction for a received → diagnosed scan, in psycopg."""
    import datetime as dt

    with conn.transaction():
        user = conn.execute(SQL_TOKEN, (digest,)).fetchone()
        device = conn.execute(SQL_DEVICE, (event_id, code, user[4])).fetchone()
        if device[20] is not None:  # this client event id was already recorded
            return device
        now = dt.datetime.now(dt.UTC)
        site, org, kind, department = device[13], device[12], device[2], device[19]
        conn.execute(SQL_MOVE, (
            "diagnosed", now, site, device[0], "received", device[15],
            "received", "diagnosed", user[0], site, now, now, None, event_id,
            now.date(), site, org, department, kind, "", "received", -1, 0, 0,
            now.date(), site, org, department, kind, "", "diagnosed", 1, 1, 0)).fetchone()
    return device


def seed(url: str, devices: int) -> tuple[str, list[str]]:
    """Schema from the models, one operator with a technician and `devices` received devices."""
    env = {**os.environ, "COLLECTE_DATABASE_URL": url, "COLLECTE_DATA_DIR": "/tmp/bench-scan"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "collecte", "db", "upgrade"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    code = """
from collecte import create_app
from collecte.extensions import db
from collecte.domain.models import Organisation, Site, User
from collecte.services.users import hash_password, create_token
app = create_app()
with app.app_context():
    org = Organisation(kind="workshop_operator", name="Bench"); db.session.add(org); db.session.flush()
    site = Site(operator_id=org.id, name="Bench site", department_code="91"); db.session.add(site); db.session.flush()
    user = User(email="bench@example.org", password_hash=hash_password("x"), role="technician",
                organisation_id=org.id, site_id=site.id); db.session.add(user); db.session.commit()
    print(org.id, site.id, create_token(user, "bench"))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    org_id, site_id, token = int(out[-3]), int(out[-2]), out[-1]
    from collecte.domain.codes import new_code

    codes = list({new_code() for _ in range(devices + 100)})[:devices]
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        with conn.cursor().copy("COPY devices (code, kind, make, model, stage, stage_changed_at, "
                                "operator_id, site_id, version, created_at) FROM STDIN") as copy:
            for c in codes:
                copy.write_row((c, "laptop", "Lenovo", "T480", "received", "2026-01-01",
                                org_id, site_id, 1, "2026-01-01"))
        conn.execute("ANALYZE")
    return token, codes


def psycopg_reference(url: str, token: str, codes: list[str], seconds: float,
                      clients: int) -> list[float]:
    import hashlib

    digest = hashlib.sha256(token.encode()).hexdigest()
    dsn = url.replace("postgresql+psycopg", "postgresql")
    latencies: list[float] = []
    lock = threading.Lock()
    began = time.monotonic()
    deadline = began + seconds

    def run(chunk):
        mine = []
        with psycopg.connect(dsn) as conn:
            for code in chunk:
                if time.monotonic() > deadline:
                    break
                t0 = time.perf_counter()
                scan_transaction(conn, digest, code, str(uuid.uuid4()))
                mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(codes[i::clients],)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # If the clients ran out of devices before the deadline, the rate is over the time they ran.
    return latencies, min(seconds, time.monotonic() - began)


BARE_APP = '''
import hashlib, os
import psycopg_pool
from flask import Flask, request, jsonify
from benchmarks.scan_throughput import scan_transaction
app = Flask(__name__)
pool = psycopg_pool.ConnectionPool(os.environ["BENCH_DSN"], min_size=1, max_size=2, open=True)
@app.post("/api/v1/scans")
def scan():
    body = request.get_json()
    digest = hashlib.sha256(request.headers["Authorization"][7:].encode()).hexdigest()
    with pool.connection() as conn:
        device = scan_transaction(conn, digest, body["code"], body["client_event_id"])
    return jsonify({"code": device[1], "kind": device[2], "make": device[3], "model": device[4],
                    "stage": "diagnosed", "site": {"id": device[16], "name": device[18],
                                                   "department_code": device[19]}}), 201
'''


WARMUP_S = 3.0


def http_load(port: int, token: str, codes: list[str], seconds: float,
              clients: int, on_start=None) -> tuple[list[float], int, float]:
    """Scans from `clients` threads: WARMUP_S first, uncounted (every gunicorn worker booted
    and its caches warm), then `seconds` timed; `on_start` is called when the timing starts.
    Returns the latencies, the number of answers other than 201, and how long the timed part
    lasted (shorter than `seconds` if the clients ran out of devices)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = time.monotonic() + WARMUP_S
    deadline = start + seconds
    if on_start is not None:
        threading.Timer(WARMUP_S, on_start).start()

    def run(chunk):
        mine, bad = [], 0
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        for code in chunk:
            if time.monotonic() > deadline:
                break
            body = json.dumps({"code": code, "to": "diagnosed",
                               "client_event_id": str(uuid.uuid4())})
            t0 = time.perf_counter()
            conn.request("POST", "/api/v1/scans", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if time.monotonic() < start:
                continue
            mine.append(time.perf_counter() - t0)
            if response.status != 201:
                bad += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=run, args=(codes[i::clients],)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0], min(seconds, max(0.001, time.monotonic() - start))


def start_gunicorn(target: str, port: int, env: dict, cwd: Path = ROOT) -> subprocess.Popen:
    log = open(f"/tmp/bench-gunicorn-{port}.log", "wb")  # noqa: SIM115 - kept for the run
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", *GUNICORN,
                                f"127.0.0.1:{port}", target], cwd=cwd, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    for _ in range(100):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/nothing")
            c.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn {target} did not start: see /tmp/bench-gunicorn-{port}.log")


def summary(latencies: list[float], seconds: float) -> dict:
    return {"rate": len(latencies) / seconds, "p50": percentile(latencies, 50) * 1000,
            "p99": percentile(latencies, 99) * 1000, "n": len(latencies)}


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def backends(database: str) -> list[int]:
    out = subprocess.run(["pgrep", "-f", f"postgres: .*{database} "], capture_output=True,
                         text=True).stdout
    return [int(p) for p in out.split()]


def measured_load(port: int, server: subprocess.Popen, token: str, codes: list[str],
                  seconds: float, clients: int) -> dict:
    """http_load, plus the CPU the gunicorn workers and the PostgreSQL backends spent per scan
    during the timed window: a figure that the machine's other load inflates less than rates."""
    workers, marks = children(server.pid), {}

    def mark():
        marks["workers"], marks["pg"] = cpu_seconds(workers), cpu_seconds(backends(DB_NAME))

    lat, errors, ran = http_load(port, token, codes, seconds, clients, on_start=mark)
    n = max(len(lat), 1)
    return {**summary(lat, ran), "errors": errors, "ran_s": round(ran, 1),
            "worker_cpu_ms": (cpu_seconds(workers) - marks["workers"]) / n * 1000,
            "pg_cpu_ms": (cpu_seconds(backends(DB_NAME)) - marks["pg"]) / n * 1000}


def app_environment(url: str) -> dict:
    """The environment both apps run in: Collecte in production mode (jobs recorded, not
    sent), the bare route's DSN."""
    return {**os.environ, "COLLECTE_DATABASE_URL": url, "COLLECTE_DATA_DIR": "/tmp/bench-scan",
            "COLLECTE_ENV": "production", "COLLECTE_SECRET_KEY": "bench-" + "x" * 40,
            "COLLECTE_JOBS_MODE": "record",
            "BENCH_DSN": url.replace("postgresql+psycopg", "postgresql")}


def one_run(seconds: float, clients: int, devices: int, app_src: Path = ROOT) -> dict:
    url = fresh_database(DB_NAME)
    token, codes = seed(url, devices)
    # Each path gets its own devices, by speed: 55 % for (a), 30 % for (b), 15 % for Collecte.
    # A path that runs out stops early; its rate is then over the time it ran.
    half, three_quarters = len(codes) * 55 // 100, len(codes) * 85 // 100
    results = {}
    load_before = os.getloadavg()[0]
    lat, ran = psycopg_reference(url, token, codes[:half], seconds, clients)
    results["psycopg"] = {**summary(lat, ran), "ran_s": round(ran, 1)}
    env = {**app_environment(url), "PYTHONPATH": str(ROOT)}
    bare_file = Path("/tmp/bench_bare_app.py")
    bare_file.write_text(BARE_APP)
    env_bare = {**env, "PYTHONPATH": f"{ROOT}:/tmp"}
    bare = start_gunicorn("bench_bare_app:app", PORT_BARE, env_bare)
    try:
        results["bare"] = measured_load(PORT_BARE, bare, token, codes[half:three_quarters],
                                        seconds, clients)
    finally:
        bare.terminate()
        bare.wait()
    # --app-src: the app from another source tree (e.g. `git archive` of an earlier commit).
    app = start_gunicorn("collecte:create_app()", PORT_APP, {**env, "PYTHONPATH": str(app_src)},
                         cwd=app_src)
    try:
        results["app"] = measured_load(PORT_APP, app, token, codes[three_quarters:], seconds,
                                       clients)
    finally:
        app.terminate()
        app.wait()
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        moves, deltas = conn.execute(
            "SELECT (SELECT count(*) FROM stage_events WHERE from_stage = 'received'), "
            "(SELECT count(*) FROM counter_deltas)").fetchone()
    # Every path wrote the same rows: one event and two counter delta rows per scan (the
    # warm-up scans, not counted in `n`, wrote theirs too).
    results["rows_ok"] = deltas == 2 * moves >= 2 * sum(r["n"] - r.get("errors", 0)
                                                         for r in results.values())
    results["load"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
    return results


RUN_HEADER = ("| run | Collecte scans/s | (b) scans/s | (a) scans/s | share of (b) | Collecte p99 ms "
              "| worker CPU ms/scan, Collecte / (b) | PostgreSQL CPU ms/scan, Collecte / (b) "
              "| load average (1 min) |\n|---|---:|---:|---:|---:|---:|---:|---:|---|")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--app-src", type=Path, default=ROOT,
                        help="run the app from this source tree (before/after comparisons)")
    parser.add_argument("--write", action="store_true", help="update docs/BENCHMARKS.md")
    args = parser.parse_args()
    runs = [one_run(args.seconds, args.clients, args.devices, args.app_src.resolve())
            for _ in range(args.runs)]
    for r in runs:
        print(json.dumps(r))
    med = {k: {m: median([r[k][m] for r in runs]) for m in ("rate", "p50", "p99")}
           for k in ("psycopg", "bare", "app")}
    errors = sum(r["app"]["errors"] + r["bare"]["errors"] for r in runs)
    # Each run measures (b) and Collecte back to back, on the same seed: the share is judged
    # per run (a paired comparison), its median over the runs. The ratio of the median rates
    # mixes runs, so a slow spell of the shared machine during one path of one run moves it.
    shares = [r["app"]["rate"] / r["bare"]["rate"] * 100 for r in runs]
    share = median(shares)
    share_of_medians = med["app"]["rate"] / med["bare"]["rate"] * 100
    table = "\n".join(
        f"| {label} | {med[k]['rate']:,.0f} | {med[k]['p50']:.1f} | {med[k]['p99']:.1f} |"
        for k, label in (("app", "Collecte `POST /api/v1/scans` (gunicorn, 4 sync workers)"),
                         ("bare", "(b) bare Flask route, same SQL, same gunicorn"),
                         ("psycopg", "(a) same transaction with psycopg directly")))
    per_run = "\n".join(
        f"| {i} | {r['app']['rate']:,.0f} | {r['bare']['rate']:,.0f} | {r['psycopg']['rate']:,.0f} "
        f"| {r['app']['rate'] / r['bare']['rate'] * 100:.0f} % | {r['app']['p99']:.1f} "
        f"| {r['app'].get('worker_cpu_ms', float('nan')):.2f} / "
        f"{r['bare'].get('worker_cpu_ms', float('nan')):.2f} "
        f"| {r['app'].get('pg_cpu_ms', float('nan')):.2f} / "
        f"{r['bare'].get('pg_cpu_ms', float('nan')):.2f} "
        f"| {r['load'][0]} → {r['load'][1]} |" for i, r in enumerate(runs, 1))
    rows_ok = all(r["rows_ok"] for r in runs)
    source = "" if args.app_src.resolve() == ROOT else f" --app-src {args.app_src}"
    body = f"""Script: `benchmarks/scan_throughput.py --seconds {args.seconds:g} --clients \
{args.clients} --devices {args.devices} --runs {args.runs}{source}`. Machine: {machine()}. Date: {today()}.
Median of {args.runs} runs; each run seeds {args.devices:,} received devices in a fresh
PostgreSQL database and sends authenticated scans (received → diagnosed, a new device and a new
client event id each time) from {args.clients} HTTP clients for {args.seconds:g} s (gunicorn's sync
workers close the connection after each answer, for both apps alike), after
{WARMUP_S:g} s of uncounted warm-up (every gunicorn worker booted). Both references run the
endpoint's SQL statement for statement: the token's user with its organisation; the device in
the caller's scope with its site and the earlier event of the client event id (one read); one
`WITH … UPDATE … INSERT … INSERT` for the conditional update, the stage event and the two
counter delta rows; commit. {"Every path wrote one event and two delta rows per scan." if rows_ok
else "**Row check failed**: the paths did not write the same rows."}

| path | scans/s | p50 ms | p99 ms |
|---|---:|---:|---:|
{table}

{RUN_HEADER}
{per_run}

Collecte reaches **{share:.0f} %** of the bare route's throughput, the median of the runs'
shares ({", ".join(f"{x:.0f}" for x in shares)} %; the ratio of the median rates above is
{share_of_medians:.0f} %); target ≥ 60 %. p99 {med['app']['p99']:.1f} ms (target < 50 ms);
{errors} non-201 answers in all runs. The clients run on the same 2 cores as the server, so
every figure includes their cost."""
    print(body)
    if args.write:
        write_section("Scan throughput (issue 2)", body)


if __name__ == "__main__":
    main()
