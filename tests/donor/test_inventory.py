"""Reading messy inventory files (pure): encodings, delimiters, headers, bad rows."""

from __future__ import annotations

import datetime as dt
import io

from collecte.domain import inventory
from tests.donor.conftest import glpi_csv, laptop_rows


def _rows(data: bytes, name: str = "export.csv", **kwargs):
    table = inventory.read_table(name, data)
    return table, inventory.check_rows(table, inventory.suggest_mapping(table.headers),
                                       today=dt.date(2026, 11, 23), **kwargs)


def test_a_glpi_export_in_cp1252_with_semicolons_maps_itself():
    table, rows = _rows(glpi_csv(laptop_rows(3)))
    assert table.encoding == "cp1252" and table.delimiter == ";"
    assert set(inventory.suggest_mapping(table.headers)) == set(inventory.FIELDS)
    assert [r.values["serial"] for r in rows] == ["SN00000", "SN00001", "SN00002"]
    assert rows[0].values["kind"] == "laptop" and rows[0].values["purchase_year"] == 2019


def test_a_snipe_it_export_with_a_bom_and_cr_only_lines():
    text = "Asset Tag,Serial,Manufacturer,Model,Category,Purchase Date\r" \
           "A-1,XYZ1,HP,EliteBook 840,Laptop,2020-05-04\rA-2,XYZ2,Apple,iPhone 8,Smartphone,\r"
    table, rows = _rows(b"\xef\xbb\xbf" + text.encode())
    assert table.encoding == "utf-8-sig" and table.headers[0] == "Asset Tag"
    assert [(r.values["serial"], r.values["kind"]) for r in rows] == [
        ("XYZ1", "laptop"), ("XYZ2", "smartphone")]


def test_bad_rows_are_reported_by_line_and_empty_rows_skipped():
    data = glpi_csv([("SN1", "Dell", "E7", "Portable", "", "12/03/2019"),
                     ("", "", "", "", "", ""),
                     ("SN1", "Dell", "E7", "Portable", "", ""),
                     ("SN3", "Dell", "E7", "Grille-pain", "", ""),
                     ("SN4", "Dell", "E7", "Portable", "", "01/01/2099"),
                     ("", "Dell", "E7", "Portable", "", "")])
    _, rows = _rows(data)
    assert [(r.line, r.ok) for r in rows] == [(2, True), (4, False), (5, False), (6, False),
                                              (7, False)]
    assert "déjà ligne 2" in rows[1].errors[0]
    assert "Grille-pain" in rows[2].errors[0]
    assert "futur" in rows[3].errors[0]
    assert "Ni numéro de série" in rows[4].errors[0]


def test_formula_cells_stay_plain_text_and_are_neutralised_for_export():
    data = glpi_csv([("=HYPERLINK(\"x\")", "+Dell", "-E7", "Portable", "@SUM(A1)", "")])
    _, rows = _rows(data)
    assert rows[0].values["serial"] == '=HYPERLINK("x")' and rows[0].ok
    assert inventory.neutralise(rows[0].values["asset_tag"]) == "'@SUM(A1)"


def test_blank_and_duplicated_headers_are_reported():
    problems = inventory.header_problems(["Serial", "", "serial"])
    assert len(problems) == 2 and "colonne 2" in problems[0] and "deux fois" in problems[1]


def test_xlsx_and_ods_files_are_read():
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Numéro de série", "Fabricant", "Modèle", "Type", "Date d'achat"])
    sheet.append(["X1", "Lenovo", "T480", "Ordinateur portable", dt.datetime(2018, 6, 1)])
    sheet.append([12345, "Lenovo", "M720", "Unité centrale", None])
    buffer = io.BytesIO()
    book.save(buffer)
    _, rows = _rows(buffer.getvalue(), "inventaire.xlsx")
    assert [(r.values["serial"], r.values["kind"], r.values["purchase_year"]) for r in rows] == [
        ("X1", "laptop", 2018), ("12345", "desktop", None)]
