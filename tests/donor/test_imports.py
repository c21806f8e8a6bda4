"""Importing an inventory into a pledge: job, all-or-nothing, re-import updates, limits."""

from __future__ import annotations

import contextlib
import io
import json

from sqlalchemy import func, select

from collecte.domain.models import Device, Job
from tests.donor.conftest import glpi_csv, laptop_rows


def _pledge(api, form):
    response = api.post("/api/v1/pledges", json={**form, "items": {"laptop": 1}})
    assert response.status_code == 201
    return response.json["id"]


def _upload(api, pid, data, name="glpi.csv", **form):
    return api.post(f"/api/v1/pledges/{pid}/inventory",
                    data={"file": (io.BytesIO(data), name), **form},
                    content_type="multipart/form-data")


def _devices(db, pid):
    return db.session.scalar(select(func.count()).select_from(Device)
                             .where(Device.pledge_id == pid))


def test_an_import_runs_as_a_job_and_lists_added_updated_refused(api_as, world, db, jobs,
                                                                 pledge_form):
    api = api_as(world.donor)
    pid = _pledge(api, pledge_form)
    rows = laptop_rows(40) + [("SN00001", "Dell", "E7", "Portable", "", ""),
                              ("SNX", "Dell", "E7", "Frigo", "", "")]
    response = _upload(api, pid, glpi_csv(rows))
    assert response.status_code == 202, response.json
    job_id = response.json["job_id"]
    jobs()
    job = api.get(f"/api/v1/jobs/{job_id}").json
    assert job["state"] == "done", job
    result = job["result"]
    assert (result["added_count"], result["updated_count"], result["refused_count"]) == (40, 0, 2)
    assert [r["line"] for r in result["refused"]] == [42, 43]
    assert result["added"][0]["line"] == 2 and result["added"][0]["serial"] == "SN00000"
    assert _devices(db, pid) == 41
    placeholders = db.session.scalars(select(Device).where(Device.pledge_id == pid,
                                                           Device.serial == "SN00007")).all()
    assert len(placeholders) == 1 and placeholders[0].stage == "pledged"
    assert placeholders[0].donor_id == world.donor_org.id

    # The same file again: nothing is duplicated, every row is an update.
    again = _upload(api, pid, glpi_csv(laptop_rows(40)))
    jobs()
    result = db.session.get(Job, again.json["job_id"]).result
    assert (result["added_count"], result["updated_count"]) == (0, 40)
    assert _devices(db, pid) == 41


def test_a_mapping_can_be_given_by_header_name(api_as, world, db, jobs, pledge_form):
    api = api_as(world.donor)
    pid = _pledge(api, pledge_form)
    data = b"Ref;Marque;Quoi\nA1;HP;Portable\nA2;HP;Ecran\n"
    response = _upload(api, pid, data, mapping=json.dumps(
        {"serial": "Ref", "make": "Marque", "kind": "Quoi"}))
    assert response.status_code == 202
    jobs()
    kinds = sorted(db.session.scalars(select(Device.kind).where(Device.pledge_id == pid,
                                                                Device.serial.is_not(None))))
    assert kinds == ["laptop", "monitor"]
    bad = _upload(api, pid, data, mapping=json.dumps({"serial": "Nope"}))
    assert bad.status_code == 422 and "Nope" in bad.json["errors"]["serial"][0]


def test_a_file_over_the_limit_is_refused_with_the_limit_stated(api_as, world, app,
                                                                 pledge_form):
    api = api_as(world.donor)
    pid = _pledge(api, pledge_form)
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024  # 1 MB here; 50 MB by default
    response = _upload(api, pid, b"x;y\n" * 400_000)
    assert response.status_code == 413
    assert response.json["type"] == "urn:collecte:problem:file-too-large"
    assert "1 Mo" in response.json["detail"]


def test_a_failing_import_writes_nothing(api_as, world, db, jobs, pledge_form, monkeypatch):
    api = api_as(world.donor)
    pid = _pledge(api, pledge_form)
    _upload(api, pid, glpi_csv(laptop_rows(10)))
    from collecte.services import imports

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports, "insert_devices", boom)
    with contextlib.suppress(RuntimeError):
        jobs()
    assert _devices(db, pid) == 1
    job = db.session.scalars(select(Job)).one()
    assert job.state == "pending" and "disk full" in job.error


def test_another_donor_cannot_import_into_my_pledge(api_as, world, pledge_form):
    pid = _pledge(api_as(world.donor), pledge_form)
    response = _upload(api_as(world.other_donor), pid, glpi_csv(laptop_rows(2)))
    assert response.status_code == 404


def test_a_large_import_takes_the_bulk_path_with_creation_events(api_as, world, db, jobs,
                                                                 pledge_form):
    from collecte.domain.models import StageEvent

    api = api_as(world.donor)
    pid = _pledge(api, pledge_form)
    _upload(api, pid, glpi_csv(laptop_rows(1200)))
    jobs()
    assert _devices(db, pid) == 1201
    events = db.session.scalar(select(func.count()).select_from(StageEvent).join(
        Device, Device.id == StageEvent.device_id).where(Device.pledge_id == pid,
                                                          StageEvent.from_stage.is_(None)))
    assert events == 1201
    codes = db.session.scalars(select(Device.code).where(Device.pledge_id == pid)).all()
    assert len(set(codes)) == 1201


def test_old_uploads_are_purged(api_as, world, app, pledge_form):
    import os
    import time
    from pathlib import Path

    from collecte.services import imports

    api = api_as(world.donor)
    pid = _pledge(api, pledge_form)
    upload_id = imports.save_upload(world.donor, pid, "a.csv", glpi_csv(laptop_rows(1)))
    folder = Path(app.config["DATA_DIR"]) / "imports" / upload_id
    assert imports.purge_uploads() == 0 and folder.exists()
    old = time.time() - 8 * 86400
    os.utime(folder, (old, old))
    assert imports.purge_uploads() == 1 and not folder.exists()
