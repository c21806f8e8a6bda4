"""Scan station sync: queued scans replayed over HTTP the way scan-station.js sends them.

One browser tab syncing its offline queue: a session cookie, the X-CSRFToken header, one POST
/api/v1/scans after the other (the station keeps scans in order), JSON shaped as the script sends
it ({code, to, client_event_id, occurred_at}). Measured against gunicorn (sync workers, the
production setting) on loopback and PostgreSQL: first sync (201 each) and the same batch sent
again (200 each: idempotent replays, e.g. a tab that lost the answers).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._common import ROOT, fresh_database, machine, median, today, write_section  # noqa: E402

DB_NAME = "collecte_bench_station"
PORT = 18091
EMAIL, PASSWORD = "station@example.org", "bench-password"


def seed(url: str, devices: int) -> list[str]:
    """Schema from the models (stamped at the migrations' head, so that the app starts even
    while a model waits for its migration), one technician, `devices` received devices."""
    env = {**os.environ, "COLLECTE_DATABASE_URL": url, "COLLECTE_DATA_DIR": "/tmp/bench-station"}
    schema = ("from sqlalchemy import create_engine\nfrom collecte.domain.models import Base\n"
              f"Base.metadata.create_all(create_engine({url!r}))")
    subprocess.run([sys.executable, "-c", schema], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "-m", "flask", "--app", "collecte", "db", "stamp", "head"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    code = f"""
from collecte import create_app
from collecte.extensions import db
from collecte.domain.models import Organisation, Site, User
from collecte.services.users import hash_password
app = create_app()
with app.app_context():
    org = Organisation(kind="workshop_operator", name="Bench"); db.session.add(org); db.session.flush()
    site = Site(operator_id=org.id, name="Bench site", department_code="91")
    db.session.add(site); db.session.flush()
    db.session.add(User(email="{EMAIL}", password_hash=hash_password("{PASSWORD}"),
                        role="technician", organisation_id=org.id, site_id=site.id))
    db.session.commit()
    print(org.id, site.id)
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    org_id, site_id = int(out[-2]), int(out[-1])
    from collecte.domain.codes import new_code

    codes = list({new_code() for _ in range(devices + 100)})[:devices]
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        with conn.cursor().copy("COPY devices (code, kind, make, model, stage, stage_changed_at, "
                                "operator_id, site_id, version, created_at) FROM STDIN") as copy:
            for c in codes:
                copy.write_row((c, "laptop", "Lenovo", "T480", "received", "2026-01-01",
                                org_id, site_id, 1, "2026-01-01"))
        conn.execute("ANALYZE")
    return codes


def start_server(url: str, workers: int) -> subprocess.Popen:
    env = {**os.environ, "COLLECTE_DATABASE_URL": url, "COLLECTE_DATA_DIR": "/tmp/bench-station",
           "COLLECTE_SECRET_KEY": "bench-" + uuid.uuid4().hex, "COLLECTE_JOBS_MODE": "record"}
    log = open("/tmp/bench-station-gunicorn.log", "wb")  # noqa: SIM115 - kept for the run
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(workers),
                                "--worker-class", "sync", "--bind", f"127.0.0.1:{PORT}",
                                "collecte:create_app()"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    for _ in range(100):
        try:
            if requests.get(f"http://127.0.0.1:{PORT}/login", timeout=5).status_code == 200:
                return process
        except requests.RequestException:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not start: see /tmp/bench-station-gunicorn.log")


def station_session() -> tuple[requests.Session, str]:
    """Log in through the form, open the station, read its CSRF meta tag (as the page does)."""
    session = requests.Session()
    base = f"http://127.0.0.1:{PORT}"
    page = session.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', page)
    login = session.post(f"{base}/login", data={"email": EMAIL, "password": PASSWORD,
                                                 "csrf_token": token.group(1)},
                         allow_redirects=False)
    assert login.status_code == 302, login.text[:300]
    station = session.get(f"{base}/workshop/scan").text
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', station).group(1)
    return session, meta


def replay(session: requests.Session, csrf: str, batch: list[dict], expected: int) -> float:
    """Send the queue in order, one request after the other; returns scans per second."""
    url = f"http://127.0.0.1:{PORT}/api/v1/scans"
    headers = {"Content-Type": "application/json", "Accept": "application/json",
               "X-CSRFToken": csrf}
    start = time.perf_counter()
    for scan in batch:
        response = session.post(url, json=scan, headers=headers)
        if response.status_code != expected:
            raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
    return len(batch) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, default=300, help="queued scans per run")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--write", action="store_true", help="update docs/BENCHMARKS.md")
    args = parser.parse_args()
    url = fresh_database(DB_NAME)
    codes = seed(url, args.batch * args.runs)
    server = start_server(url, args.workers)
    first, again = [], []
    try:
        for run in range(args.runs):
            session, csrf = station_session()
            now = dt.datetime.now(dt.UTC)
            batch = [{"code": c, "to": "diagnosed", "client_event_id": str(uuid.uuid4()),
                      "occurred_at": (now + dt.timedelta(milliseconds=i)).isoformat()}
                     for i, c in enumerate(codes[run * args.batch:(run + 1) * args.batch])]
            first.append(replay(session, csrf, batch, 201))
            again.append(replay(session, csrf, batch, 200))
            print(f"run {run + 1}: first sync {first[-1]:.0f} scans/s, "
                  f"replayed {again[-1]:.0f} scans/s", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=10)
    body = f"""
Measured {today()} on {machine()}.
Command: `benchmarks/scan_station.py --batch {args.batch} --runs {args.runs} --workers {args.workers}`
(median of {args.runs} runs).

One station tab syncing its offline queue the way `collecte/static/js/scan-station.js` does:
session cookie + `X-CSRFToken`, one `POST /api/v1/scans` after the other (in order, as the stages
need), body `{{code, to, client_event_id, occurred_at}}`; gunicorn `sync` × {args.workers} on
loopback, PostgreSQL, one client.

| batch of {args.batch} queued scans | scans/s (median) | min–max |
|---|---|---|
| first sync (201 each, received → diagnosed) | {median(first):.0f} | {min(first):.0f}–{max(first):.0f} |
| same batch again (200 each, idempotent replay) | {median(again):.0f} | {min(again):.0f}–{max(again):.0f} |

A queue of {args.batch} scans syncs in about {args.batch / median(first):.0f} s. The sync is
sequential by design (order matters for stages), so this is one tab's ceiling (latency-bound:
~{1000 / median(first):.0f} ms per scan, session load + CSRF + the scan transaction), not the
server's throughput; the machine was shared with other test runs, hence the spread.
"""
    print(body)
    if args.write:
        write_section("Scan station sync (issue 3)", body)


if __name__ == "__main__":
    main()
