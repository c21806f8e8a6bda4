"""Uploads (inventory import, API and page): too large, wrong type, zip bombs, sheets too long or
too wide, corrupt archives are refused with a clear message, before any parser reads them and
without eating memory."""

from __future__ import annotations

import io
import random
import struct
import tracemalloc
import zipfile

import pytest

from collecte.domain import upload_checks
from collecte.request_limits import drain_oversized_body

CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
      'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
      '</Types>')
SHEET = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
         '.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>')


@pytest.fixture
def database_url(sqlite_url):
    """Refusing a file does not depend on the database engine: SQLite only."""
    return sqlite_url


@pytest.fixture
def pledge(make, world):
    return make.pledge(world.donor_org, status="draft", items={"laptop": 1})


@pytest.fixture
def upload(api_as, world, pledge):
    api = api_as(world.donor)

    def _upload(data: bytes, name: str = "inventaire.csv"):
        return api.post(f"/api/v1/pledges/{pledge.id}/inventory",
                        data={"file": (io.BytesIO(data), name)},
                        content_type="multipart/form-data")

    return _upload


def assert_refused(response, status: int, words: str):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    assert words in response.json["detail"], response.json["detail"]
    return response.json


def xlsx(sheet: str | None = None, *, entries: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CT)
        archive.writestr("xl/workbook.xml", "<workbook/>")
        if sheet is not None:
            archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, text in (entries or {}).items():
            archive.writestr(name, text)
    return buffer.getvalue()


def zip_bomb(expanded_mb: int = 1024) -> bytes:
    """A small XLSX whose sheet expands to `expanded_mb` MB of one repeated row."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CT)
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            block = b"<row><c><v>0</v></c></row>" * 40_000  # ~1 MB
            for _ in range(expanded_mb):
                sheet.write(block)
    return buffer.getvalue()


def lie_about_size(data: bytes, name: bytes, declared: int) -> bytes:
    """The same archive, its directory claiming `name` expands to `declared` bytes only."""
    data = bytearray(data)
    central = data.index(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46:central + 46 + name_length]) == name:
            struct.pack_into("<I", data, central + 24, declared)
            local = struct.unpack_from("<I", data, central + 42)[0]
            struct.pack_into("<I", data, local + 22, declared)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def test_a_file_over_the_limit_gets_a_413_problem_stating_the_limit(app, upload):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    problem = assert_refused(upload(b"serial;make\n" + b"SN1;Dell\n" * 150_000), 413,
                             "taille maximale de 1 Mo")
    assert problem["type"] == "urn:collecte:problem:file-too-large"


def test_the_donor_page_says_why_a_file_over_the_limit_was_refused(app, client, world, pledge):
    from tests.conftest import login

    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    login(client, world.donor)
    response = client.post(f"/donor/pledges/{pledge.id}/inventory", follow_redirects=True,
                           data={"file": (io.BytesIO(b"a;b\n" * 400_000), "gros.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert "dépasse la taille maximale de 1 Mo" in response.get_data(as_text=True)


def test_an_oversized_body_is_read_off_the_wire_before_the_413(app):
    """Behind gunicorn an unread body turns the 413 into a connection reset (see
    collecte/request_limits.py): up to 4 times the limit, it is read and dropped first."""
    app.config["MAX_CONTENT_LENGTH"] = 1000
    for size, drained in ((3000, True), (10_000, False), (900, False)):
        stream = io.BytesIO(b"x" * size)
        with app.test_request_context("/api/v1/pledges/1/inventory", method="POST",
                                      input_stream=stream, content_length=size,
                                      content_type="application/octet-stream"):
            drain_oversized_body()
        assert (stream.tell() == size) is drained, size


@pytest.mark.parametrize("data,name,words", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(random.Random(1).randbytes(5000)),
     "photo.csv", "image, un PDF"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"1 0 obj << >> endobj\n" * 50, "facture.csv", "PDF"),
    (bytes(random.Random(2).randbytes(20_000)), "donnees.csv", "données binaires"),
    (bytes(random.Random(3).randbytes(20_000)), "classeur.xlsx", "données binaires"),
    (upload_checks.OLE_MAGIC + bytes(4000), "ancien.xls", "XLSX ou en CSV"),
])
def test_a_file_that_is_not_a_table_is_refused_by_its_content_not_its_name(
        upload, data, name, words):
    problem = assert_refused(upload(data, name), 422, words)
    assert problem["type"] == "urn:collecte:problem:unsupported-file"
    assert problem["errors"]["file"]


def test_a_corrupt_archive_is_refused(upload):
    good = xlsx(SHEET.format(rows='<row r="1"><c r="A1"><v>1</v></c></row>'))
    for broken in (b"PK\x03\x04" + bytes(300), good[: len(good) // 2]):
        assert_refused(upload(broken, "abime.xlsx"), 422, "abîmé")


def test_a_zip_bomb_is_refused_from_its_directory_at_once(upload):
    bomb = zip_bomb(1024)  # 1 GB of XML
    assert len(bomb) < 3 * 1024 * 1024
    tracemalloc.start()
    try:
        assert_refused(upload(bomb, "bombe.xlsx"), 422, "trop volumineux une fois décompressé")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024, peak


def test_a_zip_bomb_lying_about_its_size_is_refused_while_streaming(upload):
    bomb = lie_about_size(zip_bomb(300), b"xl/worksheets/sheet1.xml", 1_000)
    tracemalloc.start()
    try:
        assert_refused(upload(bomb, "menteuse.xlsx"), 422, "abîmé")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024, peak


def test_a_tiny_sheet_naming_a_far_cell_is_refused_before_the_parser_allocates_it(upload):
    """One cell in A1, one in XFD1048576: calamine would allocate 16,384 × 1,048,576 cells
    (measured: the process aborts)."""
    far = SHEET.format(rows='<row r="1"><c r="A1" t="inlineStr"><is><t>serial</t></is></c></row>'
                            '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    assert_refused(upload(xlsx(far), "creuse.xlsx"), 422, "par import")
    wide = SHEET.format(rows='<row r="1"><c r="A1"><v>1</v></c><c r="ZZ1"><v>1</v></c></row>')
    assert_refused(upload(xlsx(wide), "large.xlsx"), 422, "colonnes par import")


def test_an_ods_repeating_a_filled_row_a_million_times_is_refused(upload):
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office='
               '"urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:'
               'opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:'
               'text:1.0"><office:body><office:spreadsheet><table:table table:name="S">'
               '<table:table-row table:number-rows-repeated="1000000"><table:table-cell '
               'table:number-columns-repeated="16384" office:value-type="string"><text:p>x'
               '</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet>'
               '</office:body></office:document-content>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    assert_refused(upload(buffer.getvalue(), "repete.ods"), 422, "par import")


def test_an_ods_with_the_usual_empty_repeats_of_libreoffice_is_accepted():
    content = ('<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
               'office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
               '<office:spreadsheet><table:table table:name="S"><table:table-row><table:table-cell'
               ' office:value-type="string"><text:p>serial</text:p></table:table-cell>'
               '<table:table-cell table:number-columns-repeated="1023"/></table:table-row>'
               '<table:table-row table:number-rows-repeated="1048575"><table:table-cell '
               'table:number-columns-repeated="1024"/></table:table-row></table:table>'
               '</office:spreadsheet></office:body></office:document-content>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    assert upload_checks.check(buffer.getvalue()) == "zip"


def test_a_csv_too_long_or_too_wide_is_refused(upload):
    long = b"serial;make\n" + b"SN;Dell\n" * (upload_checks.MAX_ROWS + 1)
    assert_refused(upload(long, "long.csv"), 422, "lignes par import")
    wide = ";".join(f"c{i}" for i in range(upload_checks.MAX_COLUMNS + 1)).encode() + b"\n1\n"
    assert_refused(upload(wide, "large.csv"), 422, "colonnes par import")


def test_a_real_inventory_still_goes_through(upload):
    """The guards refuse bombs, not spreadsheets: a GLPI-style CSV (cp1252, `;`), a UTF-16
    export and a real XLSX written by openpyxl are accepted."""
    from openpyxl import Workbook

    assert upload("Numéro de série;Fabricant;Type\nSN1;Dell;Portable\n".encode("cp1252"),
                  "glpi.csv").status_code == 202
    assert upload("serial\tmake\tkind\nSN2\tHP\tlaptop\n".encode("utf-16"),
                  "export.csv").status_code == 202
    book = Workbook()
    book.active.append(["serial", "make", "kind"])
    book.active.append(["SN3", "Lenovo", "laptop"])
    out = io.BytesIO()
    book.save(out)
    assert upload(out.getvalue(), "parc.xlsx").status_code == 202


def test_a_nul_character_in_a_form_a_query_or_a_body_is_refused_not_stored(
        client, world, api_as, pledge):
    """PostgreSQL cannot store NUL (found by schemathesis on PostgreSQL: a 500): refused as
    malformed everywhere, on SQLite too."""
    from tests.conftest import login

    login(client, world.tech)
    response = client.post("/labels/printers", data={
        "name": "Laser\x00", "layout_id": "avery-l7163", "offset_x_mm": "0", "offset_y_mm": "0"})
    assert response.status_code == 400
    assert client.get("/devices?kind=lap\x00top").status_code == 400
    tech = api_as(world.tech)
    body = tech.post("/api/v1/printer-profiles", json={"name": "Laser\x00",
                                                       "layout_id": "avery-l7163"})
    assert body.status_code == 422 and "name" in body.json["errors"]
    assert tech.get("/api/v1/jobs/abc\x00").status_code == 404
    donor = api_as(world.donor)
    form = donor.post(f"/api/v1/pledges/{pledge.id}/inventory", content_type="multipart/form-data",
                      data={"file": (io.BytesIO(b"serial\nSN1\n"), "a.csv"),
                            "default_kind": "laptop\x00"})
    assert form.status_code == 422 and form.json["type"] == "urn:collecte:problem:nul-character"


def test_a_multipart_part_without_a_name_is_an_unknown_field_not_a_500(api_as, world, pledge):
    """Found by schemathesis: a part with no name reached the unknown-field check as None."""
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"i.csv\"\r\n\r\nserial;model\r\nSN1;X\r\n--{boundary}--\r\n")
    response = api_as(world.donor).post(
        f"/api/v1/pledges/{pledge.id}/inventory", data=body.encode(),
        content_type=f"multipart/form-data; boundary={boundary}")
    problem = assert_refused(response, 422, "ne sont pas acceptés")
    assert "" in problem["errors"]
