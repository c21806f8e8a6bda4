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
GUNICORN = ["--workers", "4", "--worker-class", "sync", "--bind"]

# The scan transaction's essential SQL, as both references run it.
SQL_TOKEN = ("SELECT u.id, u.organisation_id FROM api_tokens t JOIN users u ON u.id = t.user_id "
             "WHERE t.token_hash = %s AND t.revoked_at IS NULL")
SQL_DEVICE = ("SELECT id, stage, version, site_id FROM devices WHERE code = %s "
              "AND operator_id = %s")
SQL_REPLAY = "SELECT id FROM stage_events WHERE client_event_id = %s"
SQL_MOVE = ("UPDATE devices SET stage = 'diagnosed', version = version + 1, "
            "stage_changed_at = now() WHERE id = %s AND stage = 'received' AND version = %s")
SQL_EVENT = ("INSERT INTO stage_events (device_id, from_stage, to_stage, actor_id, site_id, "
             "occurred_at, recorded_at, client_event_id) VALUES (%s, 'received', 'diagnosed', "
             "%s, %s, now(), now(), %s)")


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
    deadline = time.monotonic() + seconds

    def run(chunk):
        mine = []
        with psycopg.connect(dsn) as conn:
            for code in chunk:
                if time.monotonic() > deadline:
                    break
                t0 = time.perf_counter()
                with conn.transaction():
                    user_id, org_id = conn.execute(SQL_TOKEN, (digest,)).fetchone()
                    device_id, _stage, version, site_id = conn.execute(
                        SQL_DEVICE, (code, org_id)).fetchone()
                    event_id = str(uuid.uuid4())
                    conn.execute(SQL_REPLAY, (event_id,)).fetchone()
                    conn.execute(SQL_MOVE, (device_id, version))
                    conn.execute(SQL_EVENT, (device_id, user_id, site_id, event_id))
                mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(codes[i::clients],)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


BARE_APP = '''
import hashlib, os, uuid
import psycopg_pool
from flask import Flask, request, jsonify
from benchmarks.scan_throughput import SQL_TOKEN, SQL_DEVICE, SQL_REPLAY, SQL_MOVE, SQL_EVENT
app = Flask(__name__)
pool = psycopg_pool.ConnectionPool(os.environ["BENCH_DSN"], min_size=1, max_size=2, open=True)
@app.post("/api/v1/scans")
def scan():
    body = request.get_json()
    digest = hashlib.sha256(request.headers["Authorization"][7:].encode()).hexdigest()
    with pool.connection() as conn, conn.transaction():
        user_id, org_id = conn.execute(SQL_TOKEN, (digest,)).fetchone()
        device_id, stage, version, site_id = conn.execute(SQL_DEVICE, (body["code"], org_id)).fetchone()
        conn.execute(SQL_REPLAY, (body["client_event_id"],)).fetchone()
        conn.execute(SQL_MOVE, (device_id, version))
        conn.execute(SQL_EVENT, (device_id, user_id, site_id, body["client_event_id"]))
    return jsonify({"code": body["code"], "stage": "diagnosed"}), 201
'''


def http_load(port: int, token: str, codes: list[str], seconds: float,
              clients: int) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

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
    return latencies, errors[0]


def start_gunicorn(target: str, port: int, env: dict) -> subprocess.Popen:
    log = open(f"/tmp/bench-gunicorn-{port}.log", "wb")  # noqa: SIM115 - kept for the run
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", *GUNICORN,
                                f"127.0.0.1:{port}", target], cwd=ROOT, env=env,
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


def one_run(seconds: float, clients: int, devices: int) -> dict:
    url = fresh_database(DB_NAME)
    token, codes = seed(url, devices)
    third = len(codes) // 3
    results = {}
    lat = psycopg_reference(url, token, codes[:third], seconds, clients)
    results["psycopg"] = summary(lat, seconds)
    env = {**os.environ, "COLLECTE_DATABASE_URL": url, "COLLECTE_DATA_DIR": "/tmp/bench-scan",
           "COLLECTE_ENV": "production", "COLLECTE_SECRET_KEY": "bench-" + "x" * 40,
           "COLLECTE_JOBS_MODE": "record",
           "BENCH_DSN": url.replace("postgresql+psycopg", "postgresql"),
           "PYTHONPATH": str(ROOT)}
    bare_file = Path("/tmp/bench_bare_app.py")
    bare_file.write_text(BARE_APP)
    env_bare = {**env, "PYTHONPATH": f"{ROOT}:/tmp"}
    bare = start_gunicorn("bench_bare_app:app", PORT_BARE, env_bare)
    try:
        lat, errors = http_load(PORT_BARE, token, codes[third:2 * third], seconds, clients)
        results["bare"] = {**summary(lat, seconds), "errors": errors}
    finally:
        bare.terminate()
        bare.wait()
    app = start_gunicorn("collecte:create_app()", PORT_APP, env)
    try:
        lat, errors = http_load(PORT_APP, token, codes[2 * third:], seconds, clients)
        results["app"] = {**summary(lat, seconds), "errors": errors}
    finally:
        app.terminate()
        app.wait()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="update docs/BENCHMARKS.md")
    args = parser.parse_args()
    runs = [one_run(args.seconds, args.clients, args.devices) for _ in range(args.runs)]
    for r in runs:
        print(json.dumps(r))
    med = {k: {m: median([r[k][m] for r in runs]) for m in ("rate", "p50", "p99")}
           for k in ("psycopg", "bare", "app")}
    errors = sum(r["app"]["errors"] + r["bare"]["errors"] for r in runs)
    share = med["app"]["rate"] / med["bare"]["rate"] * 100
    table = "\n".join(
        f"| {label} | {med[k]['rate']:,.0f} | {med[k]['p50']:.1f} | {med[k]['p99']:.1f} |"
        for k, label in (("app", "Collecte `POST /api/v1/scans` (gunicorn, 4 sync workers)"),
                         ("bare", "(b) bare Flask route, same SQL, same gunicorn"),
                         ("psycopg", "(a) same transaction with psycopg directly")))
    body = f"""Script: `benchmarks/scan_throughput.py --seconds {args.seconds:g} --clients \
{args.clients} --devices {args.devices} --runs {args.runs}`. Machine: {machine()}. Date: {today()}.
Median of {args.runs} runs; each run seeds {args.devices:,} received devices in a fresh
PostgreSQL database and sends authenticated scans (received → diagnosed, a new device and a new
client event id each time) from {args.clients} keep-alive HTTP clients for {args.seconds:g} s.

| path | scans/s | p50 ms | p99 ms |
|---|---:|---:|---:|
{table}

Collecte reaches **{share:.0f} %** of the bare route's throughput (target ≥ 60 %), p99
{med['app']['p99']:.1f} ms (target < 50 ms); {errors} non-201 answers in all runs. The clients
run on the same 2 cores as the server, so every figure includes their cost."""
    print(body)
    if args.write:
        write_section("Scan throughput (issue 2)", body)


if __name__ == "__main__":
    main()
