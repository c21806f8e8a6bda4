"""Inventory import: a 100,000-row GLPI-style CSV into PostgreSQL, upload to committed.

End to end = POST /api/v1/pledges/{id}/inventory (multipart upload, saved, job queued) + the job
(decode, sniff, check every row, one transaction of bulk INSERTs: devices + stage events) until
its commit. Next to the floor: a bare COPY of the same rows into the same table. Target ≤ 15 s.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._common import fresh_database, machine, median, today, write_section  # noqa: E402

TARGET_S = 15.0


def make_csv(rows: int) -> bytes:
    header = "Nom;Numéro de série;Fabricant;Modèle;Type;Numéro d'inventaire;Date d'achat"
    lines = [header] + [f"PC-{i};SN{i:08d};Dell;Latitude 5490;Portable;INV-{i};12/03/2019"
                        for i in range(rows)]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    args = parser.parse_args()

    from celery import current_app as celery_current

    from collecte import create_app
    from collecte.domain.codes import new_code
    from collecte.domain.models import Base, Organisation, Pledge, User, utcnow
    from collecte.extensions import db
    from collecte.services.users import create_token, hash_password
    from workers.tasks import load_all

    url = fresh_database("collecte_bench_import")
    data_dir = tempfile.mkdtemp(prefix="collecte-bench-")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": data_dir,
                      "JOBS_MODE": "record", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False})
    load_all()
    payload = make_csv(args.rows)
    load_before = os.getloadavg()[0]
    end_to_end, copy_floor = [], []
    with app.app_context():
        Base.metadata.create_all(db.engine)
        donor = Organisation(kind="donor_company", name="Bench SA")
        db.session.add(donor)
        db.session.flush()
        user = User(email="bench@example.org", password_hash=hash_password("x" * 12),
                    role="donor", organisation_id=donor.id)
        db.session.add(user)
        db.session.commit()
        token = create_token(user, "bench")
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        for run in range(args.runs):
            pledge = Pledge(donor_id=donor.id, items={})
            db.session.add(pledge)
            db.session.commit()
            started = time.perf_counter()
            response = client.post(f"/api/v1/pledges/{pledge.id}/inventory", data={
                "file": (io.BytesIO(payload), "glpi.csv")}, content_type="multipart/form-data")
            assert response.status_code == 202, response.json
            for task_name, job_id in app.extensions["collecte.sent_jobs"]:
                celery_current.tasks[task_name].run(job_id)
            app.extensions["collecte.sent_jobs"].clear()
            end_to_end.append(time.perf_counter() - started)
            print(f"run {run + 1}: import {end_to_end[-1]:.2f} s", flush=True)

            # The floor: COPY of the same rows (codes made up front), rolled back.
            now = utcnow()
            rows = [(new_code(), "laptop", "Dell", "Latitude 5490", f"SN{i:08d}", f"INV-{i}",
                     2019, "pledged", donor.id, pledge.id, now, 1) for i in range(args.rows)]
            raw = db.engine.raw_connection()
            try:
                cursor = raw.cursor()
                started = time.perf_counter()
                with cursor.copy("COPY devices (code, kind, make, model, serial, asset_tag, "
                                 "purchase_year, stage, donor_id, pledge_id, stage_changed_at, "
                                 "version) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                copy_floor.append(time.perf_counter() - started)
                raw.rollback()
            finally:
                raw.close()
            print(f"run {run + 1}: bare COPY {copy_floor[-1]:.2f} s", flush=True)
        db.session.remove()
        db.engine.dispose()
    e2e, floor = median(end_to_end), median(copy_floor)
    load = f"load average {load_before:.1f} → {os.getloadavg()[0]:.1f}"
    e2e_runs = ", ".join(f"{v:.2f}" for v in end_to_end)
    floor_runs = ", ".join(f"{v:.2f}" for v in copy_floor)
    verdict = "meets" if e2e <= TARGET_S else "misses"
    body = f"""
`benchmarks/inventory_import.py --rows {args.rows} --runs {args.runs}` — {today()}, {machine()};
{load} (the machine was shared: compare the import with the floor measured alongside).

| what | median of {args.runs} runs | runs |
|---|---|---|
| import of a {args.rows:,}-row GLPI CSV (cp1252, `;`), upload → job → committed \
| **{e2e:.2f} s** | {e2e_runs} |
| bare `COPY` of the same rows into `devices` (the floor) | {floor:.2f} s | {floor_runs} |

The end-to-end import {verdict} the 15 s target here ({e2e / floor:.1f}× the bare COPY of the
devices alone). It parses and checks every row (kind, dates, duplicates), makes a public code
per device, then in one transaction COPYs the devices (PostgreSQL; bulk
`session.execute(insert(Device), rows)` on SQLite and below 500 rows) and lets the server add
their creation stage events with one `INSERT … SELECT`. A multi-row bulk INSERT with RETURNING
took 61 s for the same file on this machine, hence COPY.
"""
    print(body)
    if not args.no_write:
        write_section("Inventory import (issue 4)", body)


if __name__ == "__main__":
    main()
