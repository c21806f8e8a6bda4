"""Donor documents: built by a job as tagged PDF, immutable, superseded by corrections."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import subprocess
import zlib

import pytest
from sqlalchemy import select

from collecte.domain.models import Device
from collecte.services import stages

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def collected(api_as, world, db, make, pledge_form):
    """A collected pledge of 3 devices, all received; two erased and wiped."""
    donor, manager = api_as(world.donor), api_as(world.manager)
    pid = donor.post("/api/v1/pledges", json={**pledge_form, "submit": True,
                                               "declared_value": 450}).json["id"]
    manager.post(f"/api/v1/pledges/{pid}/accept", json={})
    when = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    manager.post(f"/api/v1/pledges/{pid}/schedule", json={"pickup_at": when})
    manager.post(f"/api/v1/pledges/{pid}/collect", json={})
    devices = db.session.scalars(select(Device).where(Device.pledge_id == pid)
                                 .order_by(Device.id)).all()
    for n, device in enumerate(devices):
        device.serial = f"DOC-SN-{n}"
        db.session.commit()
        stages.advance(world.tech, device.code, "received")
        stages.advance(world.tech, device.code, "diagnosed")
    for device in devices[:2]:
        make.erased_medium(device)
        if device.kind == "smartphone":
            make.reset_record(device)
        stages.advance(world.tech, device.code, "wiped")
    return pid, devices


def _inflated(pdf: bytes) -> bytes:
    """The PDF with its compressed streams inflated, to look for catalog entries."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"".join(parts)


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_the_erasure_certificate_lists_every_medium_and_has_its_hash(api_as, world, jobs,
                                                                     collected, tmp_path):
    pid, devices = collected
    donor = api_as(world.donor)
    response = donor.post(f"/api/v1/pledges/{pid}/documents", json={"kind": "erasure_certificate"})
    assert response.status_code == 202 and response.json["state"] == "pending"
    jobs()
    [document] = donor.get(f"/api/v1/pledges/{pid}/documents").json
    assert document["state"] == "issued" and len(document["sha256"]) == 64
    pdf = donor.get(document["url"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert hashlib.sha256(pdf.data).hexdigest() == document["sha256"]
    objects = _inflated(pdf.data)
    assert b"/Lang (fr)" in objects and b"/StructTreeRoot" in objects  # tagged, in French
    assert b"pdfuaid:part" in objects  # declared PDF/UA-1
    text = _text(pdf.data, tmp_path)
    assert "Certificat d'effacement" in text
    for device in devices[:2]:
        assert device.serial in text and device.printed_code in text
    assert "nwipe 0.37" in text and "Purge" in text
    assert world.tech.name not in text  # the donor never sees technicians' names


def test_a_reissued_certificate_supersedes_the_old_one_and_both_are_kept(api_as, world, jobs,
                                                                         collected):
    pid, _ = collected
    donor = api_as(world.donor)
    donor.post(f"/api/v1/pledges/{pid}/documents", json={"kind": "erasure_certificate"})
    jobs()
    donor.post(f"/api/v1/pledges/{pid}/documents", json={"kind": "erasure_certificate"})
    jobs()
    new, old = donor.get(f"/api/v1/pledges/{pid}/documents").json
    assert new["supersedes_id"] == old["id"] and old["sha256"] and new["sha256"]
    assert donor.get(old["url"]).status_code == 200


def test_the_attestation_lists_goods_and_the_declared_value_only(api_as, world, jobs, collected,
                                                                tmp_path):
    pid, devices = collected
    donor = api_as(world.donor)
    donor.post(f"/api/v1/pledges/{pid}/documents", json={"kind": "donation_attestation"})
    jobs()
    [document] = donor.get(f"/api/v1/pledges/{pid}/documents").json
    text = _text(donor.get(document["url"]).data, tmp_path)
    assert "Attestation de don" in text and "450,00 €" in text
    assert all(d.serial in text for d in devices)
    assert "Ordinateurs portables" in text


def test_the_impact_report_states_its_method_and_blank_factors(api_as, world, jobs, collected,
                                                               tmp_path):
    pid, _ = collected
    donor = api_as(world.donor)
    donor.post(f"/api/v1/pledges/{pid}/documents", json={"kind": "impact_report"})
    jobs()
    [document] = donor.get(f"/api/v1/pledges/{pid}/documents").json
    text = _text(donor.get(document["url"]).data, tmp_path)
    assert "Bilan d'impact" in text and "Méthode" in text and "2021.1" in text
    assert "Appareils reçus" in text


def test_nobody_else_gets_the_documents(api_as, world, jobs, collected):
    pid, _ = collected
    donor = api_as(world.donor)
    donor.post(f"/api/v1/pledges/{pid}/documents", json={"kind": "impact_report"})
    jobs()
    [document] = donor.get(f"/api/v1/pledges/{pid}/documents").json
    other = api_as(world.other_donor)
    assert other.get(document["url"]).status_code == 404
    assert other.get(f"/api/v1/pledges/{pid}/documents").status_code == 404


def test_a_donor_gets_a_yearly_impact_report(client, login_as, world, jobs, collected, tmp_path):
    login_as(world.donor)
    year = dt.date.today().year
    assert client.post("/donor/impact", data={"year": str(year)}).status_code == 302
    jobs()
    page = client.get("/donor/").get_data(as_text=True)
    assert f"Bilan {year}" in page and "SHA-256" in page
    assert "Choisissez une année" in client.post("/donor/impact", data={"year": "1990"},
                                                 follow_redirects=True).get_data(as_text=True)
