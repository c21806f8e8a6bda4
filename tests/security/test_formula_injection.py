"""Formula injection: text that a spreadsheet would run (= + - @ tab CR at the start) reaches
every CSV and XLSX export as inert text, whatever field it was typed in."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from collecte.extensions import db
from collecte.services import counters, export_files, exports
from collecte.services.dashboard import Filters

# What OWASP lists, plus the tricks: a DDE call, a formula hidden behind a tab or a CR, and
# things Python reads as numbers but a spreadsheet reads as a formula.
PAYLOADS = ["=1+1", "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|'/C calc'!A0",
            "\t=1+1", "\r=1+1", "=HYPERLINK(\"http://evil.example\",\"x\")", "-inf", "-1_000",
            "-nan"]
# A cell is inert if it does not start with a formula character, or is a plain negative number.
NUMBER = re.compile(r"-\d+(\.\d+)?([eE][-+]?\d+)?")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def database_url(sqlite_url):
    """Writing the files does not depend on the database engine: SQLite only."""
    return sqlite_url


def is_live(value) -> bool:
    return (isinstance(value, str) and value.startswith(FORMULA_START)
            and not NUMBER.fullmatch(value))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_cell_writer_makes_every_payload_inert(payload):
    assert not is_live(export_files.neutralise(payload))
    assert export_files.neutralise(payload).endswith(payload)  # kept, readable, not dropped


def test_negative_numbers_stay_numbers():
    assert export_files.neutralise(-3) == "-3" and export_files.neutralise("-2.5") == "-2.5"


@pytest.fixture
def poisoned(make, world):
    """Every text column of the exports holds a payload: device make and model, site, operator
    and donor names, and the département code of a site."""
    world.operator.name = "=1+1"
    world.site.name = "@SUM(1+1)*cmd|'/C calc'!A0"
    world.donor_org.name = "+1+cmd|' /C calc'!A0"
    db.session.commit()
    site = make.site(world.operator, department_code="-1")
    devices = [make.device("ready", operator=world.operator, site=world.site, donor=world.donor_org,
                           make=payload, model=payload, grade="A") for payload in PAYLOADS]
    devices.append(make.device("received", operator=world.operator, site=site, make="\t=2",
                               model="-nan"))
    for device in devices:
        counters.record_created(db.session, [device])
    db.session.commit()
    return devices


def _cells(kind: str, fmt: str, user) -> list[list]:
    buffer, _, _ = exports.build(user, kind, fmt, Filters())
    data = buffer.getvalue()
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(data)).active
        cells = list(sheet.iter_rows())
        assert all(c.data_type != "f" for row in cells for c in row), "a formula cell"
        return [[c.value for c in row] for row in cells]
    text = data.decode("utf-8-sig")
    delimiter = "," if kind == "opendata" else ";"
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", exports.KINDS)
def test_no_cell_of_any_export_starts_a_live_formula(app, world, poisoned, kind, fmt):
    rows = _cells(kind, fmt, world.national_manager)
    assert len(rows) > 1, "the export should hold the poisoned devices"
    live = [value for row in rows for value in row if is_live(value)]
    assert live == []
    if kind == "devices":
        # There, as text (XML stores a carriage return as a line feed).
        shown = {str(value).replace("\r", "\n") for row in rows for value in row}
        for payload in PAYLOADS:
            assert ("'" + payload).replace("\r", "\n") in shown, payload


def test_an_export_job_writes_the_same_inert_cells(app, world, poisoned, tmp_path):
    target = tmp_path / "devices.xlsx"
    exports.write(world.national_manager, "devices", "xlsx", Filters(), str(target))
    sheet = load_workbook(target).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert [v for v in values if is_live(v)] == []
    assert "'" + PAYLOADS[0] in values
