"""POST /api/v1/label-batches: checked input, a queued job, and a PDF whose QR codes decode."""

from pathlib import Path

import pytest

from collecte.domain.models import Job
from tests.printing.decode import decode_pdf


def test_the_layouts_are_listed(api_as, world):
    response = api_as(world.tech).get("/api/v1/label-layouts")
    assert response.status_code == 200
    ids = {layout["id"] for layout in response.json}
    assert {"avery-l7160", "avery-l7163", "avery-l7651", "brother-ql-62x29", "zebra-50x25"} <= ids


def test_a_technician_prints_a_selection_and_every_qr_decodes_to_its_device_url(
        api_as, world, make, run_job, app, tmp_path):
    devices = [make.device("received", operator=world.operator, make="Dell", model="Latitude")
               for _ in range(4)]
    codes = [d.printed_code.lower().replace("-", "") for d in devices]
    response = api_as(world.tech).post("/api/v1/label-batches",
                                       json={"codes": codes, "layout": "avery-l7160"})
    assert response.status_code == 202, response.json
    job_id = response.json["job_id"]
    assert ("collecte.print_labels", job_id) in app.extensions["collecte.sent_jobs"]
    job = run_job(job_id)
    assert job.state == "done" and job.done == 4 == job.total
    status = api_as(world.tech).get(f"/api/v1/jobs/{job_id}").json
    assert status["state"] == "done" and status["result_url"].endswith(f"/jobs/{job_id}/result")
    pages = decode_pdf(Path(job.result_path), tmp_path)
    assert sorted(pages[0]) == sorted(f"https://collecte.test/d/{d.code}" for d in devices)


@pytest.mark.parametrize("fmt", ["png", "zpl"])
def test_other_formats_are_written_too(api_as, world, make, run_job, fmt):
    device = make.device("received", operator=world.operator)
    layout = "zebra-50x25" if fmt == "zpl" else "brother-ql-62x29"
    response = api_as(world.tech).post("/api/v1/label-batches", json={
        "codes": [device.code], "layout": layout, "format": fmt})
    assert response.status_code == 202, response.json
    job = run_job(response.json["job_id"])
    assert job.state == "done"
    data = Path(job.result_path).read_bytes()
    assert data.startswith(b"PK") if fmt == "png" else f"/d/{device.code}".encode() in data


def test_mistyped_codes_are_listed_in_a_422(api_as, world, make):
    good = make.device("received", operator=world.operator).code
    typo = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = api_as(world.tech).post("/api/v1/label-batches", json={
        "codes": [good, typo, "HELLO"], "layout": "avery-l7160"})
    assert response.status_code == 422
    assert set(response.json["invalid_codes"]) == {typo, "HELLO"}
    assert Job.__table__ is not None


def test_codes_of_another_operator_are_a_404_that_looks_like_unknown_codes(api_as, world, make):
    theirs = make.device("received", operator=world.other_operator).code
    from collecte.domain.codes import check_symbol

    nobody = "ZZZZZZZZ" + check_symbol("ZZZZZZZZ")
    client = api_as(world.tech)
    a = client.post("/api/v1/label-batches", json={"codes": [theirs], "layout": "avery-l7160"})
    b = client.post("/api/v1/label-batches", json={"codes": [nobody], "layout": "avery-l7160"})
    assert a.status_code == b.status_code == 404
    assert a.json["type"] == b.json["type"]
    assert set(a.json) == set(b.json)
    assert "Atelier B" not in a.get_data(as_text=True)


@pytest.mark.parametrize("count", [0, 200_000])
def test_a_batch_of_0_or_200_000_labels_is_refused_with_the_limit(api_as, world, count):
    codes = ["7K3M9QXTH"] * count
    response = api_as(world.tech).post("/api/v1/label-batches",
                                       json={"codes": codes, "layout": "avery-l7160"})
    assert response.status_code == 422
    # French number format, as everywhere on screen (a narrow no-break space between thousands).
    assert "100\u202f000" in response.json["detail"]
    assert response.json["limit"] == 100_000


def test_bad_options_are_named(api_as, world, make):
    code = make.device("received", operator=world.operator).code
    client = api_as(world.tech)
    unknown = client.post("/api/v1/label-batches", json={"codes": [code], "layout": "nope"})
    assert unknown.status_code == 422 and "avery-l7160" in unknown.json["detail"]
    bad = client.post("/api/v1/label-batches", json={"codes": [code], "layout": "avery-l7160",
                                                     "start_at": 22, "format": "zpl"})
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"start_at", "format"}
    extra = client.post("/api/v1/label-batches", json={"codes": [code], "layout": "avery-l7160",
                                                       "organisation_id": 1})
    assert extra.status_code == 422


def test_only_workshop_people_print_labels(api_as, world, make):
    code = make.device("received", operator=world.operator).code
    for user in (world.donor, world.social):
        response = api_as(user).post("/api/v1/label-batches",
                                     json={"codes": [code], "layout": "avery-l7160"})
        assert response.status_code == 404


def test_a_pledge_s_devices_are_printed_by_pledge_id(api_as, world, run_job,
                                                     pledge_with_placeholders, tmp_path):
    pledge, devices = pledge_with_placeholders(2)
    response = api_as(world.tech).post("/api/v1/label-batches",
                                       json={"pledge_id": pledge.id, "layout": "avery-l7163"})
    assert response.status_code == 202, response.json
    job = run_job(response.json["job_id"])
    found = decode_pdf(Path(job.result_path), tmp_path)[0]
    assert sorted(found) == sorted(f"https://collecte.test/d/{d.code}" for d in devices)
    other = api_as(world.other_tech).post("/api/v1/label-batches",
                                          json={"pledge_id": pledge.id, "layout": "avery-l7163"})
    assert other.status_code == 404


def test_a_printer_profile_offsets_and_layout_are_used(api_as, world, make):
    client = api_as(world.tech)
    created = client.post("/api/v1/printer-profiles", json={
        "name": "Laser bureau", "layout_id": "avery-l7160", "offset_x_mm": 1.5,
        "offset_y_mm": -0.5})
    assert created.status_code == 201, created.json
    profile_id = created.json["id"]
    code = make.device("received", operator=world.operator).code
    response = client.post("/api/v1/label-batches", json={"codes": [code],
                                                           "profile_id": profile_id})
    assert response.status_code == 202
    from collecte.extensions import db

    job = db.session.get(Job, response.json["job_id"])
    assert job.params["layout"] == "avery-l7160" and job.params["offset_mm"] == [1.5, -0.5]
    # Another operator's technician neither sees nor uses it.
    other = api_as(world.other_tech)
    assert other.get(f"/api/v1/printer-profiles/{profile_id}").status_code == 404
    assert other.post("/api/v1/label-batches", json={"codes": [code], "profile_id": profile_id}
                      ).status_code == 404


def test_printer_profiles_are_created_renamed_and_deleted(api_as, world):
    client = api_as(world.manager)
    profile = client.post("/api/v1/printer-profiles", json={
        "name": "Zebra", "layout_id": "zebra-50x25"}).json
    assert client.post("/api/v1/printer-profiles", json={
        "name": "Zebra", "layout_id": "zebra-50x25"}).status_code == 422
    assert client.post("/api/v1/printer-profiles", json={
        "name": "X", "layout_id": "zebra-50x25", "offset_x_mm": 40}).status_code == 422
    updated = client.put(f"/api/v1/printer-profiles/{profile['id']}", json={
        "name": "Zebra 2", "layout_id": "zebra-50x25", "offset_y_mm": 1})
    assert updated.status_code == 200 and updated.json["offset_y_mm"] == 1.0
    assert [p["name"] for p in client.get("/api/v1/printer-profiles").json] == ["Zebra 2"]
    assert client.delete(f"/api/v1/printer-profiles/{profile['id']}").status_code == 204
    assert client.get("/api/v1/printer-profiles").json == []


def test_a_label_preview_png_decodes_to_the_device_url(api_as, client, login_as, world, make):
    from tests.printing.decode import decode

    device = make.device("received", operator=world.operator, model="Latitude <5490>")
    response = api_as(world.tech).get(
        f"/api/v1/label-layouts/avery-l7163/preview/{device.printed_code}")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert decode(response.data) == [f"https://collecte.test/d/{device.code}"]
    assert api_as(world.other_tech).get(
        f"/api/v1/label-layouts/avery-l7163/preview/{device.code}").status_code == 404
    login_as(world.tech)
    page = client.get(f"/labels/preview/{device.code}.png?layout=zebra-50x25")
    assert page.status_code == 200 and decode(page.data) == [f"https://collecte.test/d/{device.code}"]


def test_a_batch_larger_than_a_pdf_volume_is_a_zip_of_pdfs(api_as, world, make, run_job,
                                                            monkeypatch, tmp_path):
    import zipfile

    from collecte.services import labels

    monkeypatch.setattr(labels, "PDF_VOLUME", 3)
    devices = [make.device("received", operator=world.operator) for _ in range(7)]
    response = api_as(world.tech).post("/api/v1/label-batches", json={
        "codes": [d.code for d in devices], "layout": "avery-l7160", "start_at": 5})
    job = run_job(response.json["job_id"])
    assert job.state == "done" and job.result["volumes"] == 3 and job.done == 7
    found = []
    with zipfile.ZipFile(job.result_path) as archive:
        assert archive.namelist() == [f"etiquettes-avery-l7160-00{i}.pdf" for i in (1, 2, 3)]
        for index, name in enumerate(archive.namelist()):
            folder = tmp_path / str(index)
            folder.mkdir()
            found += [url for page in decode_pdf(archive.read(name), folder) for url in page]
    assert sorted(found) == sorted(f"https://collecte.test/d/{d.code}" for d in devices)
