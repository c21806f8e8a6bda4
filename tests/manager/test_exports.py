"""Exports: CSV for Excel, XLSX, open data (Table Schema, small counts suppressed), as jobs."""

import datetime as dt
import io

from frictionless import Resource, Schema, validate
from openpyxl import load_workbook

from collecte.domain.models import Job
from collecte.services import export_files, exports
from tests.manager.walk import step


def assert_valid_opendata(path):
    """frictionless validates the file against collecte/data/opendata-schema.json."""
    schema = Schema.from_descriptor(exports.opendata_schema())
    report = validate(Resource(path=path.name, basepath=str(path.parent), schema=schema))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_no_cell_can_run_as_a_formula():
    for evil in ("=1+1", "+1", "-1+A1", "@SUM(A1)", "\tx", "\rx"):
        assert export_files.neutralise(evil).startswith("'")
    assert export_files.neutralise("-3") == "-3"
    assert export_files.neutralise("Lenovo") == "Lenovo"
    assert export_files.neutralise(dt.date(2026, 1, 2)) == "2026-01-02"


def download(client, kind, fmt, query=""):
    response = client.get(f"/manager/exports/{kind}.{fmt}{query}")
    assert response.status_code == 200, response.data[:500]
    return response.data


def test_the_devices_csv_is_for_excel_in_french_and_neutralised(client, login_as, world, counted):
    counted("ready", operator=world.operator, make="=HYPERLINK(\"http://x\")", grade="A")
    login_as(world.national_manager)
    data = download(client, "devices", "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    header, row = text.splitlines()[:2]
    assert header.split(";")[0] == "code"
    assert ";'=HYPERLINK" in row.replace('"', "")


def test_the_xlsx_holds_only_text_cells(client, login_as, world, counted):
    counted("ready", operator=world.operator, make="@evil", grade="A")
    login_as(world.national_manager)
    sheet = load_workbook(io.BytesIO(download(client, "devices", "xlsx"))).active
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]][:2] == ["code", "type"]
    assert all(c.data_type == "s" for row in rows for c in row if c.value is not None)
    assert "'@evil" in [c.value for c in rows[1]]


def test_an_empty_period_gives_a_valid_file_with_headers(client, login_as, world, counted):
    counted("ready", operator=world.operator)
    login_as(world.national_manager)
    data = download(client, "devices", "csv", "?from=2001-01-01&to=2001-01-31")
    assert data.decode("utf-8-sig").splitlines() == [";".join(exports.DEVICE_HEADERS)]
    opendata = download(client, "opendata", "csv", "?from=2001-01-01&to=2001-01-31")
    assert opendata.decode().splitlines() == [",".join(exports.opendata_headers())]


def test_the_open_data_file_follows_its_table_schema_and_hides_small_counts(
        client, login_as, make, world, counted, tmp_path):
    corsica = make.site(world.operator, "2A")
    for _ in range(6):
        counted("received", operator=world.operator, site=corsica)
    counted("received", operator=world.operator)  # one device in 91: suppressed
    login_as(world.national_manager)
    data = download(client, "opendata", "csv")
    assert not data.startswith(b"\xef\xbb\xbf")
    path = tmp_path / "opendata.csv"
    path.write_bytes(data)
    assert_valid_opendata(path)
    lines = data.decode().splitlines()
    corsica_row = next(line for line in lines if ",2A," in line)
    assert ",94,laptop,6," in corsica_row and corsica_row.endswith("false")
    essonne_row = next(line for line in lines if ",91," in line)
    assert ",11,laptop,," in essonne_row and essonne_row.endswith("true")


def test_the_schema_is_served(client, world):
    body = client.get("/api/v1/exports/opendata/schema.json").get_json()
    assert body["fields"][1]["name"] == "departement"


def test_a_large_export_runs_as_a_job_with_its_file(app, api_as, make, world, counted, db):
    device = counted("received", operator=world.operator)
    step(make, world, device, "diagnosed", dt.datetime.now(dt.UTC))
    client = api_as(world.national_manager)
    response = client.post("/api/v1/exports", json={"kind": "pipeline", "format": "xlsx",
                                                    "departement": "91"})
    assert response.status_code == 202, response.data
    job_id = response.get_json()["job_id"]
    assert ("collecte.export", job_id) in app.extensions["collecte.sent_jobs"]
    from workers.tasks.exports import export

    db.session.rollback()  # the task's own session must be able to write (SQLite)
    export(job_id)
    job = db.session.get(Job, job_id)
    assert job.state == "done" and job.result["rows"] >= 1
    polled = client.get(f"/api/v1/jobs/{job_id}").get_json()
    assert polled["result_url"]
    sheet = load_workbook(job.result_path).active
    assert [c.value for c in next(sheet.iter_rows())] == list(exports.PIPELINE_HEADERS)


def test_an_export_of_another_operators_site_is_refused(api_as, world):
    client = api_as(world.manager)
    response = client.post("/api/v1/exports", json={"kind": "devices",
                                                    "site": world.other_site.id})
    assert response.status_code == 404
    assert client.post("/api/v1/exports", json={"kind": "nope"}).status_code == 422
