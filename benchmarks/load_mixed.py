"""Mixed load: technicians scanning, donors browsing and managers on the dashboard, at once.

A bounded closed-loop test on loopback (issue 7): PostgreSQL, the app under gunicorn (the scan
benchmark's settings), a seeded network (the demo network, walked through the real services,
plus received devices of its pledges for the technicians to scan). For `--seconds` (60), a fixed
number of client threads per role, each sending its next request as soon as the previous one
answered:
- technicians (bearer token) scan real moves, received → diagnosed, each on its own devices (no
  two clients ever move the same device, so no 409 is expected and none is tolerated);
- donors browse their pages with a session cookie (home, a pledge, a device page) and the API
  lists with a token (pledges, a pledge's devices, devices);
- managers fetch GET /api/v1/reports/dashboard (token) and the dashboard page (session).
Every answer outside 2xx/3xx and every exception is an error. After each run the dashboard
counters are checked against a full recount of the event log (services.counters.check).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections import defaultdict
from pathlib import Path

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
from benchmarks.scan_throughput import GUNICORN, start_gunicorn  # noqa: E402

DB_NAME = "collecte_bench_mixed"
PORT = 18083
PASSWORD = "bench-password"
WARMUP_S = 5.0
ROLES = ("technician", "donor", "manager")

SEED = """
import json, sys
from sqlalchemy import insert, select, text
from collecte import create_app
from collecte.domain.codes import new_code
from collecte.domain.models import Device, Organisation, Pledge, Site, User, utcnow
from collecte.extensions import db
from collecte.services import counters, demo
from collecte.services.users import create_token, hash_password

technicians, donors, managers, scan_devices, network = (int(a) for a in sys.argv[1:6])
app = create_app()
with app.app_context():
    demo.seed(device_count=network)
    s = db.session
    operator = s.scalar(select(Organisation).where(Organisation.name == demo.OPERATOR_NAME))
    site = s.scalar(select(Site).where(Site.operator_id == operator.id).order_by(Site.id))
    coordinator = s.scalar(select(Organisation).where(Organisation.kind == "coordinator"))
    donor_orgs = list(s.scalars(select(Organisation).where(
        Organisation.kind.in_(["donor_company", "donor_municipality"])).order_by(Organisation.id)))
    password = hash_password(%(password)r)

    def people(role, org, n, start=0, **extra):
        out = []
        for i in range(start, start + n):
            user = User(email=f"bench-{role}-{i}@example.org", name=f"Bench {role} {i}",
                        password_hash=password, role=role, organisation_id=org.id, **extra)
            s.add(user)
            s.flush()
            out.append({"email": user.email, "token": create_token(user, "bench")})
        return out

    techs = people("technician", operator, technicians, site_id=site.id)
    donor_people = [p for i in range(donors)
                    for p in people("donor", donor_orgs[i %% len(donor_orgs)], 1, start=i)]
    manager_people = people("manager", coordinator, managers)
    # Collected pledges of the two donors (about 200 devices each), whose received devices
    # the technicians scan.
    now = utcnow()
    pledges = [Pledge(donor_id=donor_orgs[i %% len(donor_orgs)].id, operator_id=operator.id,
                      status="collected", pickup_address="1 rue du Banc, 91000 Évry",
                      contact_name="Service informatique", items={"laptop": 200},
                      status_changed_at=now, created_at=now)
               for i in range(max(1, scan_devices // 200))]
    s.add_all(pledges)
    s.flush()
    codes = list(dict.fromkeys(new_code() for _ in range(scan_devices + 100)))[:scan_devices]
    rows = [{"code": c, "kind": "laptop", "make": "Lenovo", "model": "ThinkPad T480",
             "stage": "received", "stage_changed_at": now, "created_at": now,
             "donor_id": pledges[i %% len(pledges)].donor_id,
             "pledge_id": pledges[i %% len(pledges)].id,
             "operator_id": operator.id, "site_id": site.id, "version": 1}
            for i, c in enumerate(codes)]
    s.execute(insert(Device), rows)
    counters.record_created(s, [{"kind": "laptop", "stage": "received", "site_id": site.id,
                                 "operator_id": operator.id, "day": now, "count": len(rows)}])
    s.execute(text("INSERT INTO stage_events (device_id, from_stage, to_stage, site_id, "
                   "occurred_at, recorded_at) SELECT id, NULL, 'received', site_id, "
                   "created_at, created_at FROM devices WHERE code = ANY(:codes)"),
              {"codes": codes})
    s.commit()
    s.execute(text("ANALYZE"))
    s.commit()
    print(json.dumps({"technicians": techs, "donors": donor_people, "managers": manager_people,
                      "codes": codes}))
"""

CHECK = """
from collecte import create_app
from collecte.extensions import db
from collecte.services import counters
app = create_app()
with app.app_context():
    problems = counters.check(db.session)
    print(len(problems))
    for p in problems[:5]:
        print(p)
"""


def seed(url: str, args) -> dict:
    env = {**os.environ, "COLLECTE_DATABASE_URL": url, "COLLECTE_DATA_DIR": "/tmp/bench-mixed"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "collecte", "db", "upgrade"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    out = subprocess.run([sys.executable, "-c", SEED % {"password": PASSWORD},
                          str(args.technicians), str(args.donors), str(args.managers),
                          str(args.scan_devices), str(args.network)],
                         cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def counters_problems(url: str) -> int:
    env = {**os.environ, "COLLECTE_DATABASE_URL": url, "COLLECTE_DATA_DIR": "/tmp/bench-mixed"}
    out = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout.split("\n")
    if out[0].strip() != "0":
        print("\n".join(out[1:]), file=sys.stderr)
    return int(out[0])


class Client:
    """One keep-alive HTTP/1.1 connection with an optional session cookie or bearer token."""

    def __init__(self, token: str | None = None):
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        self.token = token
        self.cookie = ""

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, bytes]:
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.cookie:
            headers["Cookie"] = self.cookie
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()  # a dropped keep-alive connection: reconnect once
            self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        data = response.read()
        for value in response.msg.get_all("Set-Cookie") or []:
            name_value = value.split(";", 1)[0]
            if name_value.startswith("session="):
                self.cookie = name_value
        return response.status, data

    def login(self, email: str) -> None:
        status, page = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
        form = urllib.parse.urlencode({"email": email, "password": PASSWORD,
                                       "csrf_token": token.group(1).decode()}).encode()
        status, _ = self.request("POST", "/login", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise RuntimeError(f"login of {email} answered {status}")


def technician(person: dict, codes: list[str]):
    """Scans its own devices, one after the other: received → diagnosed."""
    client = Client(token=person["token"])
    headers = {"Content-Type": "application/json"}
    pending = iter(codes)

    def step():
        body = json.dumps({"code": next(pending), "to": "diagnosed",
                           "client_event_id": str(uuid.uuid4())}).encode()
        status, _ = client.request("POST", "/api/v1/scans", body=body, headers=headers)
        return "POST /api/v1/scans", status, 201

    return step


def donor(person: dict, rng: random.Random):
    """Browses: pages with a session, API lists with a token."""
    api, web = Client(token=person["token"]), Client()
    web.login(person["email"])
    status, data = api.request("GET", "/api/v1/pledges")
    pledges = [p["id"] for p in json.loads(data)["items"]]
    status, data = api.request("GET", "/api/v1/devices?per_page=50")
    codes = [d["code"].replace("-", "") for d in json.loads(data)["items"]]
    if not pledges or not codes:
        raise RuntimeError(f"donor {person['email']} sees no pledge or no device")
    actions = [
        ("GET /donor/ (page)", lambda: web.request("GET", "/donor/")),
        ("GET /donor/pledges/<id> (page)",
         lambda: web.request("GET", f"/donor/pledges/{rng.choice(pledges)}")),
        ("GET /d/<code> (page)", lambda: web.request("GET", f"/d/{rng.choice(codes)}")),
        ("GET /api/v1/pledges", lambda: api.request("GET", "/api/v1/pledges")),
        ("GET /api/v1/pledges/<id>/devices",
         lambda: api.request("GET", f"/api/v1/pledges/{rng.choice(pledges)}/devices")),
        ("GET /api/v1/devices", lambda: api.request("GET", "/api/v1/devices?per_page=50")),
    ]

    def step():
        name, action = rng.choice(actions)
        status, _ = action()
        return name, status, None

    return step


def manager(person: dict, rng: random.Random):
    """The dashboard: the API figures (token) and the page (session)."""
    api, web = Client(token=person["token"]), Client()
    web.login(person["email"])

    def step():
        if rng.random() < 0.5:
            status, _ = api.request("GET", "/api/v1/reports/dashboard")
            return "GET /api/v1/reports/dashboard", status, None
        status, _ = web.request("GET", "/manager/")
        return "GET /manager/ (page)", status, None

    return step


def one_run(people: dict, codes_by_tech: list[list[str]], seconds: float, seed_value: int):
    """Every client runs its loop; requests answered during the warm-up are not counted."""
    rng = random.Random(seed_value)
    steps: list[tuple[str, object]] = []
    for i, person in enumerate(people["technicians"]):
        steps.append(("technician", technician(person, codes_by_tech[i])))
    for person in people["donors"]:
        steps.append(("donor", donor(person, random.Random(rng.random()))))
    for person in people["managers"]:
        steps.append(("manager", manager(person, random.Random(rng.random()))))
    latencies: dict[str, list[float]] = defaultdict(list)
    by_kind: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    lock = threading.Lock()
    start = time.monotonic() + WARMUP_S
    deadline = start + seconds

    def loop(role, step):
        mine, kinds, bad = [], defaultdict(list), []
        while time.monotonic() < deadline:
            t0 = time.perf_counter()
            try:
                name, status, expected = step()
            except StopIteration:
                bad.append("ran out of devices to scan")
                break
            except Exception as exc:  # every exception is an error, and is reported
                name, status, expected = "exception", repr(exc)[:200], None
            elapsed = time.perf_counter() - t0
            if time.monotonic() < start:
                continue
            ok = (status == expected) if expected else (isinstance(status, int)
                                                         and 200 <= status < 400)
            if not ok:
                bad.append(f"{name}: {status}")
            mine.append(elapsed)
            kinds[name].append(elapsed)
        with lock:
            latencies[role].extend(mine)
            for name, values in kinds.items():
                by_kind[name].extend(values)
            errors[role].extend(bad)

    threads = [threading.Thread(target=loop, args=s) for s in steps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    def stats(values):
        return {"rate": len(values) / seconds, "n": len(values),
                "p50": percentile(values, 50) * 1000, "p99": percentile(values, 99) * 1000}

    return {"roles": {role: {**stats(latencies[role]), "errors": len(errors[role]),
                             "error_samples": errors[role][:5]} for role in ROLES},
            "kinds": {name: stats(values) for name, values in by_kind.items()},
            "all": stats([v for role in ROLES for v in latencies[role]])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--technicians", type=int, default=4)
    parser.add_argument("--donors", type=int, default=4)
    parser.add_argument("--managers", type=int, default=2)
    parser.add_argument("--network", type=int, default=1000,
                        help="demo devices walked through the real services")
    parser.add_argument("--scan-devices", type=int, default=24_000,
                        help="received devices for the technicians (split between them)")
    parser.add_argument("--write", action="store_true", help="update docs/BENCHMARKS.md")
    args = parser.parse_args()
    url = fresh_database(DB_NAME)
    t0 = time.perf_counter()
    people = seed(url, args)
    print(f"seeded in {time.perf_counter() - t0:.0f} s", flush=True)
    codes = people["codes"]
    per_run = len(codes) // args.runs
    env = {**os.environ, "COLLECTE_DATABASE_URL": url, "COLLECTE_DATA_DIR": "/tmp/bench-mixed",
           "COLLECTE_ENV": "production", "COLLECTE_SECRET_KEY": "bench-" + "x" * 40,
           "COLLECTE_JOBS_MODE": "record", "PYTHONPATH": str(ROOT)}
    server = start_gunicorn("collecte:create_app()", PORT, env)
    runs = []
    try:
        for run in range(args.runs):
            mine = codes[run * per_run:(run + 1) * per_run]
            by_tech = [mine[i::args.technicians] for i in range(args.technicians)]
            load_before = os.getloadavg()[0]
            result = one_run(people, by_tech, args.seconds, run)
            result["load"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
            runs.append(result)
            print(json.dumps(result), flush=True)
    finally:
        server.terminate()
        server.wait()
    problems = counters_problems(url)
    report(args, runs, problems)


def report(args, runs: list[dict], problems: int) -> None:
    def med(path):
        values = []
        for r in runs:
            value = r
            for key in path:
                value = value.get(key, {}) if isinstance(value, dict) else {}
            if value != {}:
                values.append(value)
        return median(values) if values else float("nan")

    clients = {"technician": args.technicians, "donor": args.donors, "manager": args.managers}
    role_rows = "\n".join(
        f"| {role}s × {clients[role]} | {med(('roles', role, 'rate')):,.1f} "
        f"| {med(('roles', role, 'p50')):.0f} | {med(('roles', role, 'p99')):.0f} "
        f"| {sum(r['roles'][role]['errors'] for r in runs)} |" for role in ROLES)
    kinds = sorted({k for r in runs for k in r["kinds"]})
    kind_rows = "\n".join(
        f"| {name} | {med(('kinds', name, 'rate')):,.1f} | {med(('kinds', name, 'p50')):.0f} "
        f"| {med(('kinds', name, 'p99')):.0f} |" for name in kinds)
    errors = sum(r["roles"][role]["errors"] for r in runs for role in ROLES)
    run_rows = "\n".join(
        f"| {i} | {r['all']['rate']:,.1f} | {r['all']['p99']:.0f} "
        f"| {sum(r['roles'][role]['errors'] for role in ROLES)} | {r['load'][0]} → {r['load'][1]} |"
        for i, r in enumerate(runs, 1))
    body = f"""Script: `benchmarks/load_mixed.py --seconds {args.seconds:g} --runs {args.runs} \
--technicians {args.technicians} --donors {args.donors} --managers {args.managers}`.
Machine: {machine()}. Date: {today()}. Median of {args.runs} runs of {args.seconds:g} s (after
{WARMUP_S:g} s of uncounted warm-up each), one server for all runs.

Loopback only; PostgreSQL; the app under gunicorn (`{' '.join(GUNICORN[:-1])}`, as the scan
benchmark). The network is the demo one ({args.network:,} devices walked through every stage by
the real services: 2 donors with 6 pledges, one operator with 2 sites, a social partner, a
national coordination) plus {args.scan_devices:,} received devices in {args.scan_devices // 200:,}
more collected pledges of the same donors (200 each). Closed loop,
no think time: each client sends its next request as soon as the previous one answered, so this
is the server's capacity under the mix, not a model of real users' pace.
- technicians: bearer token, `POST /api/v1/scans` received → diagnosed, each on its own devices;
- donors: session pages (home, a pledge, a device page) and token API lists (pledges, a
  pledge's devices, devices), chosen at random;
- managers: `GET /api/v1/reports/dashboard` (token) and the dashboard page `/manager/`, half each.

| role × clients | requests/s | p50 ms | p99 ms | errors (all runs) |
|---|---:|---:|---:|---:|
{role_rows}

| request | requests/s | p50 ms | p99 ms |
|---|---:|---:|---:|
{kind_rows}

| run | requests/s (all) | p99 ms (all) | errors | load average (1 min) |
|---|---:|---:|---:|---|
{run_rows}

**{errors} errors** in all runs (any answer outside 2xx/3xx, any exception; for scans anything
but 201: no 409 is expected since no two technicians share a device). After the runs the
dashboard counters {"matched a full recount of the event log (`services.counters.check`: 0 "
"differences)" if problems == 0 else f"differed from a full recount in {problems} places"}.
The clients (Python threads) run on the same 2 cores as gunicorn and PostgreSQL."""
    print(body)
    if args.write:
        write_section("Mixed load (issue 7)", body)


if __name__ == "__main__":
    main()
