"""A working session on `make run`, as a small site runs it in production (issue 13's "done").

`make run` for real (its own Valkey broker, gunicorn, a Celery worker and beat under honcho) on
a demo network of `--devices` devices. For `--minutes` (30), people work at once, at a human
pace, through the API, bounded in count and time, on loopback only:
- two technicians scan devices (pledged → received → diagnosed), one every few seconds, and
  print the labels of what they scanned every 15 scans (a label batch job, then the PDF
  downloaded from the job's result_url);
- a donor creates a pledge and imports its 150-line inventory every two minutes (an import job);
- a manager starts an export every minute (devices, pipeline, open data in turn; then downloads
  it) and looks at the dashboard in between.
Every job is followed until it ends. At the end: every job done exactly once (one attempt), every
result downloaded, no process of the run dead or replaced, /healthz 200.

    .venv/bin/python benchmarks/embedded_session.py --minutes 30 --write
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import queue
import re
import sqlite3
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import machine, percentile, today, write_section  # noqa: E402
from tests.embedded_run import EmbeddedRun  # noqa: E402

SCAN_EVERY_S = 4.0
LABELS_EVERY = 15
IMPORT_EVERY_S = 120.0
EXPORT_EVERY_S = 60.0


class Session:
    def __init__(self, run: EmbeddedRun, deadline: float):
        self.run, self.deadline = run, deadline
        self.jobs: list[tuple[str, str, float]] = []  # (kind, job id, asked at)
        self.lock = threading.Lock()
        self.errors: list[str] = []
        self.counts: Counter = Counter()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.downloads: Counter = Counter()

    def client(self, email: str) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.run.token(email)}"
        return session

    def call(self, client, method: str, path: str, expect: tuple, **kwargs):
        try:
            url = path if path.startswith("http") else self.run.url + path
            response = client.request(method, url, timeout=30, **kwargs)
        except requests.RequestException as exc:
            self.error(f"{method} {path}: {exc!r}")
            return None
        route = re.sub(r"/[0-9a-f-]{36}|/\d+", "/{id}", path.split("?")[0].split(":", 2)[-1])
        self.counts[f"{method} {route.lstrip('0123456789')}"] += 1
        if response.status_code not in expect:
            self.error(f"{method} {path}: {response.status_code} {response.text[:300]}")
            return None
        return response

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)

    def job(self, kind: str, job_id: str, asked_at: float) -> None:
        with self.lock:
            self.jobs.append((kind, job_id, asked_at))

    def alive(self) -> bool:
        return time.monotonic() < self.deadline

    def pause(self, seconds: float) -> None:
        time.sleep(max(0.0, min(seconds, self.deadline - time.monotonic())))


def technician(session: Session, email: str, moves: queue.Queue) -> None:
    client = session.client(email)
    scanned: list[str] = []
    while session.alive():
        try:
            code, to = moves.get_nowait()
        except queue.Empty:
            return
        body = {"code": code, "to": to, "client_event_id": str(uuid.uuid4())}
        if session.call(client, "POST", "/api/v1/scans", (200, 201), json=body):
            scanned.append(code)
        if len(scanned) >= LABELS_EVERY:
            asked = time.monotonic()
            response = session.call(client, "POST", "/api/v1/label-batches", (202,), json={
                "codes": scanned, "layout": "avery-l7160", "format": "pdf"})
            if response:
                session.job("labels", response.json()["job_id"], asked)
            scanned = []
        session.pause(SCAN_EVERY_S)


def donor(session: Session) -> None:
    client = session.client("donor@demo.test")
    n = 0
    while session.alive():
        n += 1
        start = dt.date.today()
        pledge = session.call(client, "POST", "/api/v1/pledges", (201,), json={
            "items": {"laptop": 150}, "pickup_address": "1 rue de la Paix, Évry",
            "contact_name": "Camille Martin", "contact_email": "camille@donateur.example",
            "window_start": (start + dt.timedelta(days=7)).isoformat(),
            "window_end": (start + dt.timedelta(days=21)).isoformat()})
        if pledge:
            csv = "Numéro de série;Fabricant;Modèle;Type;Numéro d'inventaire\r\n" + "".join(
                f"S{n:03d}-{uuid.uuid4().hex[:8]};Dell;Latitude 5490;Portable;INV-{n}-{i}\r\n"
                for i in range(150))
            asked = time.monotonic()
            response = session.call(
                client, "POST", f"/api/v1/pledges/{pledge.json()['id']}/inventory", (202,),
                files={"file": ("glpi.csv", io.BytesIO(csv.encode("cp1252")), "text/csv")})
            if response:
                session.job("inventory_import", response.json()["job_id"], asked)
        session.pause(IMPORT_EVERY_S)


def manager(session: Session) -> None:
    client = session.client("manager@demo.test")
    kinds = ["devices", "pipeline", "opendata"]
    n = 0
    while session.alive():
        asked = time.monotonic()
        response = session.call(client, "POST", "/api/v1/exports", (202,),
                                json={"kind": kinds[n % 3], "format": "csv"})
        if response:
            session.job(f"export-{kinds[n % 3]}", response.json()["job_id"], asked)
        n += 1
        for _ in range(3):
            session.pause(EXPORT_EVERY_S / 3)
            if session.alive():
                session.call(client, "GET", "/api/v1/reports/dashboard", (200,))


def follow(session: Session, tokens: dict[str, str], until: float) -> dict[str, str]:
    """Poll each job until it ends (as its page does), then download its result."""
    client = requests.Session()
    ended: dict[str, str] = {}
    while True:
        with session.lock:
            waiting = [job for job in session.jobs if job[1] not in ended]
        if not waiting and not session.alive():
            return ended
        if time.monotonic() > until:
            for _kind, job_id, _asked in waiting:
                ended[job_id] = "unfinished"
            return ended
        for kind, job_id, asked in waiting:
            token = tokens["labels" if kind == "labels" else
                           "inventory_import" if kind == "inventory_import" else "export"]
            response = session.call(client, "GET", f"/api/v1/jobs/{job_id}", (200,),
                                    headers={"Authorization": f"Bearer {token}"})
            if response is None:
                continue
            job = response.json()
            if job["state"] in ("done", "failed"):
                ended[job_id] = job["state"]
                session.latencies[kind].append(time.monotonic() - asked)
                if job["state"] == "done" and job.get("result_url"):
                    file = session.call(client, "GET", job["result_url"], (200,),
                        headers={"Authorization": f"Bearer {token}"})
                    if file is not None and file.content and not file.headers.get(
                            "Content-Type", "").startswith("text/html"):
                        session.downloads[kind] += 1
        time.sleep(1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--devices", type=int, default=4000)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()

    run = EmbeddedRun()
    run.flask("db", "upgrade")
    print(run.flask("seed-demo", "--devices", str(args.devices)).splitlines()[0], flush=True)
    run.start()
    try:
        report = session_on(run, args)
    finally:
        code = run.stop()
    print(f"make run stopped by Ctrl-C, exit code {code}")
    print(report)
    if args.write:
        write_section("Jobs: a working session on make run (issue 13)", report)


def session_on(run: EmbeddedRun, args) -> str:
    started = time.monotonic()
    processes = {name: run.pids(needle) for name, needle in (
        ("broker", "valkey-server"), ("worker", "celery -A workers.app worker"),
        ("beat", "celery -A workers.app beat"), ("web", "gunicorn"))}
    tech = requests.Session()
    tech.headers["Authorization"] = f"Bearer {run.token('tech@demo.test')}"
    moves: queue.Queue = queue.Queue()
    for stage, to in (("received", "diagnosed"), ("pledged", "received")):
        page = 1
        while True:
            items = tech.get(f"{run.url}/api/v1/devices", timeout=30, params={
                "stage": stage, "per_page": 100, "page": page}).json()["items"]
            for item in items:
                moves.put((item["code"], to))
                if to == "received":
                    moves.put((item["code"], "diagnosed"))
            if len(items) < 100:
                break
            page += 1
    session = Session(run, time.monotonic() + args.minutes * 60)
    tokens = {"labels": run.token("tech@demo.test"), "export": run.token("manager@demo.test"),
              "inventory_import": run.token("donor@demo.test")}
    people = [threading.Thread(target=technician, args=(session, "tech@demo.test", moves)),
              threading.Thread(target=technician, args=(session, "tech@demo.test", moves)),
              threading.Thread(target=donor, args=(session,)),
              threading.Thread(target=manager, args=(session,))]
    for person in people:
        person.start()
    ended = follow(session, tokens, until=session.deadline + 600)
    for person in people:
        person.join(timeout=60)
    elapsed = (time.monotonic() - started) / 60

    database = sqlite3.connect(run.data_dir / "collecte.sqlite", timeout=30)
    attempts = Counter(dict(database.execute(
        "SELECT attempts, count(*) FROM jobs WHERE kind != 'document' GROUP BY attempts")))
    states = Counter(dict(database.execute("SELECT state, count(*) FROM jobs GROUP BY state")))
    database.close()
    health = requests.get(f"{run.url}/healthz", timeout=10)
    dead = [name for name, pids in processes.items()
            if not pids or any(not Path(f"/proc/{pid}").exists() for pid in pids)]
    log = run.log_path.read_text(errors="replace")
    crashes = log.count("Unrecoverable error") + log.count("Traceback")
    kinds = Counter(kind for kind, _id, _asked in session.jobs)
    rows = "\n".join(
        f"| {kind} | {kinds[kind]} | {Counter(ended[j] for k, j, _ in session.jobs if k == kind)['done']}"
        f" | {session.downloads[kind]} | {percentile(session.latencies[kind], 50):.1f} s"
        f" | {percentile(session.latencies[kind], 95):.1f} s |" for kind in sorted(kinds))
    calls = ", ".join(f"{name}: {n}" for name, n in sorted(session.counts.items()))
    return f"""Machine: {machine()}. Date: {today()}.
`benchmarks/embedded_session.py --minutes {args.minutes:g} --devices {args.devices}`: `make run`
for real (Valkey broker, gunicorn 3 workers, Celery worker concurrency 2, beat, under honcho),
{elapsed:.1f} minutes in all; two technicians scanning one device every {SCAN_EVERY_S:g} s and
printing labels every {LABELS_EVERY} scans, a donor importing a 150-line inventory every
{IMPORT_EVERY_S:g} s, a manager exporting every {EXPORT_EVERY_S:g} s and reading the dashboard.

| job | asked | done | result downloaded | asked → done p50 | p95 |
|---|---|---|---|---|---|
{rows}

- Jobs by state at the end: {dict(states)}; attempts per job: {dict(attempts)} (1 = done once).
- Calls: {calls}.
- Errors (any unexpected answer or exception): **{len(session.errors)}**
  {session.errors[:3] if session.errors else ''}
- Processes dead or replaced during the session: **{dead or 'none'}**; tracebacks or
  unrecoverable errors in the run's log: **{crashes}**; `/healthz` at the end:
  {health.status_code}.
- `make run` still running at the end: {run.running()}."""


if __name__ == "__main__":
    main()
