"""Label layout files: every file of labels/ loads, and impossible geometry is refused clearly."""

from pathlib import Path

import pytest

from collecte.printing.layouts import LAYOUT_DIR, LayoutError, all_layouts, load_layout_file

GOOD = """
id = "{id}"
name = "Test"
kind = "sheet"
[page]
width_mm = 210.0
height_mm = 297.0
[label]
width_mm = 63.5
height_mm = 38.1
[grid]
columns = 3
rows = 7
margin_left_mm = 7.2
margin_top_mm = 15.15
pitch_x_mm = {pitch_x}
pitch_y_mm = 38.1
"""


def write(tmp_path: Path, name="my-sheet", **values) -> Path:
    params = {"id": name, "pitch_x": 66.04} | values
    path = tmp_path / f"{name}.toml"
    path.write_text(GOOD.format(**params), encoding="utf-8")
    return path


@pytest.mark.parametrize("path", sorted(LAYOUT_DIR.glob("*.toml")), ids=lambda p: p.stem)
def test_every_layout_file_loads_and_fits_its_page(path):
    layout = load_layout_file(path)
    assert layout.id == path.stem
    right, bottom = layout.position(layout.per_page - 1)
    assert right + layout.label_width <= layout.page_width + 0.01
    assert bottom + layout.label_height <= layout.page_height + 0.01


def test_the_issue_s_layouts_are_all_there_with_their_grids():
    layouts = {lay.id: lay for lay in all_layouts()}
    assert (layouts["avery-l7160"].columns, layouts["avery-l7160"].rows) == (3, 7)
    assert (layouts["avery-l7163"].columns, layouts["avery-l7163"].rows) == (2, 7)
    assert (layouts["avery-l7651"].columns, layouts["avery-l7651"].rows) == (5, 13)
    assert (layouts["brother-ql-62x29"].label_width, layouts["brother-ql-62x29"].label_height) == (62, 29)
    assert layouts["zebra-50x25"].dpi == 203 and "zpl" in layouts["zebra-50x25"].formats


def test_a_grid_wider_than_its_page_is_refused_naming_the_file_and_field(tmp_path):
    path = write(tmp_path, pitch_x=80.0)
    with pytest.raises(LayoutError) as error:
        load_layout_file(path)
    assert error.value.field == "grid.columns"
    assert "my-sheet.toml" in str(error.value) and "210" in str(error.value)


def test_overlapping_labels_are_refused(tmp_path):
    with pytest.raises(LayoutError, match="grid.pitch_x_mm"):
        load_layout_file(write(tmp_path, pitch_x=50.0))


def test_a_missing_field_or_a_wrong_type_is_named(tmp_path):
    path = write(tmp_path)
    path.write_text(path.read_text().replace("rows = 7", 'rows = "seven"'))
    with pytest.raises(LayoutError, match=r"grid\.rows : doit être un nombre entier"):
        load_layout_file(path)
    path.write_text(path.read_text().replace('rows = "seven"\n', ""))
    with pytest.raises(LayoutError, match=r"grid\.rows : champ obligatoire manquant"):
        load_layout_file(path)


def test_the_id_must_match_the_file_name_and_zpl_needs_a_resolution(tmp_path):
    with pytest.raises(LayoutError, match="id"):
        load_layout_file(write(tmp_path, name="a", id="b"))
    path = write(tmp_path, name="zpl-one")
    path.write_text(path.read_text().replace('kind = "sheet"', 'kind = "roll"\nformats = ["zpl"]'))
    with pytest.raises(LayoutError, match="dpi"):
        load_layout_file(path)


def test_unreadable_toml_is_reported_with_the_file_name(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("id = ")
    with pytest.raises(LayoutError, match="broken.toml : toml"):
        load_layout_file(path)
