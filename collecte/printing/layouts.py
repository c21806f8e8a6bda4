"""Label layouts: load the TOML files of `labels/`, check their geometry, and place labels."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

LAYOUT_DIR = Path(__file__).resolve().parents[2] / "labels"
KINDS = ("sheet", "roll")
FORMATS = ("pdf", "png", "zpl")
# Rounding of the sizes printed on label boxes: a hundredth of a millimetre is tolerated.
_EPSILON = 0.01


class LayoutError(ValueError):
    """A layout file that cannot be used; the message names the file and the field."""

    def __init__(self, path: Path | str, field: str, message: str):
        super().__init__(f"{Path(path).name} : {field} : {message}")
        self.path = str(path)
        self.field = field


@dataclass(frozen=True)
class Layout:
    """One label stock: page size, label size, and where the labels are on the page (mm)."""

    id: str
    name: str
    kind: str
    formats: tuple[str, ...]
    page_width: float
    page_height: float
    label_width: float
    label_height: float
    columns: int
    rows: int
    margin_left: float
    margin_top: float
    pitch_x: float
    pitch_y: float
    padding: float = 2.0
    dpi: int | None = None

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def position(self, index: int) -> tuple[float, float]:
        """Top-left corner (mm from the page's top-left) of slot `index` (0-based, row by row)."""
        row, column = divmod(index % self.per_page, self.columns)
        return (self.margin_left + column * self.pitch_x, self.margin_top + row * self.pitch_y)


def _number(data: dict, path: Path, section: str, key: str, *, minimum: float = 0.0,
            integer: bool = False, positive: bool = False, default=None):
    field = f"{section}.{key}" if section else key
    value = data.get(key, default)
    if value is None:
        raise LayoutError(path, field, "champ obligatoire manquant.")
    if isinstance(value, bool) or not isinstance(value, int | float) or (
            integer and not isinstance(value, int)):
        raise LayoutError(path, field, "doit être un nombre" + (" entier." if integer else "."))
    if value < minimum or (positive and value <= 0):
        raise LayoutError(path, field, f"doit être {'positif' if positive else f'au moins {minimum}'} "
                          f"(lu : {value}).")
    return value


def _section(raw: dict, path: Path, name: str) -> dict:
    section = raw.get(name)
    if not isinstance(section, dict):
        raise LayoutError(path, name, f"section [{name}] manquante.")
    return section


def parse_layout(raw: dict, path: Path | str) -> Layout:
    """Build a Layout from a parsed TOML document, refusing impossible geometry."""
    path = Path(path)
    layout_id = raw.get("id")
    if not isinstance(layout_id, str) or not layout_id or layout_id != path.stem:
        raise LayoutError(path, "id", f"doit être le nom du fichier sans extension ({path.stem!r}).")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise LayoutError(path, "name", "nom lisible manquant.")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise LayoutError(path, "kind", f"doit être l'un de {', '.join(KINDS)} (lu : {kind!r}).")
    formats = raw.get("formats", ["pdf", "png"])
    if not isinstance(formats, list) or not formats or any(f not in FORMATS for f in formats):
        raise LayoutError(path, "formats", f"liste parmi {', '.join(FORMATS)} (lu : {formats!r}).")
    dpi = raw.get("dpi")
    if "zpl" in formats and (not isinstance(dpi, int) or dpi not in (152, 203, 300, 600)):
        raise LayoutError(path, "dpi", "le format zpl demande la résolution de l'imprimante "
                          "(152, 203, 300 ou 600).")
    page, label, grid = (_section(raw, path, s) for s in ("page", "label", "grid"))
    values = {
        "page_width": _number(page, path, "page", "width_mm", positive=True),
        "page_height": _number(page, path, "page", "height_mm", positive=True),
        "label_width": _number(label, path, "label", "width_mm", positive=True),
        "label_height": _number(label, path, "label", "height_mm", positive=True),
        "padding": _number(label, path, "label", "padding_mm", default=2.0),
        "columns": _number(grid, path, "grid", "columns", minimum=1, integer=True),
        "rows": _number(grid, path, "grid", "rows", minimum=1, integer=True),
        "margin_left": _number(grid, path, "grid", "margin_left_mm"),
        "margin_top": _number(grid, path, "grid", "margin_top_mm"),
        "pitch_x": _number(grid, path, "grid", "pitch_x_mm", positive=True),
        "pitch_y": _number(grid, path, "grid", "pitch_y_mm", positive=True),
    }
    layout = Layout(id=layout_id, name=name.strip(), kind=kind, formats=tuple(formats), dpi=dpi,
                    **values)
    _check_geometry(layout, path)
    return layout


def _check_geometry(lay: Layout, path: Path) -> None:
    if lay.columns > 1 and lay.pitch_x + _EPSILON < lay.label_width:
        raise LayoutError(path, "grid.pitch_x_mm", f"{lay.pitch_x} mm est plus petit que la "
                          f"largeur d'étiquette {lay.label_width} mm : les étiquettes se chevauchent.")
    if lay.rows > 1 and lay.pitch_y + _EPSILON < lay.label_height:
        raise LayoutError(path, "grid.pitch_y_mm", f"{lay.pitch_y} mm est plus petit que la "
                          f"hauteur d'étiquette {lay.label_height} mm : les étiquettes se chevauchent.")
    right = lay.margin_left + (lay.columns - 1) * lay.pitch_x + lay.label_width
    if right > lay.page_width + _EPSILON:
        raise LayoutError(path, "grid.columns", f"{lay.columns} colonnes au pas de {lay.pitch_x} mm "
                          f"à partir de {lay.margin_left} mm finissent à {right:.2f} mm, au-delà "
                          f"de la largeur de page {lay.page_width} mm.")
    bottom = lay.margin_top + (lay.rows - 1) * lay.pitch_y + lay.label_height
    if bottom > lay.page_height + _EPSILON:
        raise LayoutError(path, "grid.rows", f"{lay.rows} rangées au pas de {lay.pitch_y} mm "
                          f"à partir de {lay.margin_top} mm finissent à {bottom:.2f} mm, au-delà "
                          f"de la hauteur de page {lay.page_height} mm.")
    if 2 * lay.padding >= min(lay.label_width, lay.label_height) / 2:
        raise LayoutError(path, "label.padding_mm", f"{lay.padding} mm ne laisse pas de place "
                          "au QR code.")
    if min(lay.label_width, lay.label_height) < 15:
        raise LayoutError(path, "label", "une étiquette de moins de 15 mm de côté ne peut pas "
                          "porter un QR code lisible et le code en clair.")


def load_layout_file(path: Path | str) -> Layout:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LayoutError(path, "toml", f"fichier TOML illisible ({exc}).") from exc
    return parse_layout(raw, path)


@functools.cache
def _load_all(directory: str) -> dict[str, Layout]:
    layouts = {}
    for path in sorted(Path(directory).glob("*.toml")):
        layout = load_layout_file(path)
        layouts[layout.id] = layout
    return layouts


def all_layouts(directory: Path | str = LAYOUT_DIR) -> list[Layout]:
    return list(_load_all(str(directory)).values())


def get_layout(layout_id: str, directory: Path | str = LAYOUT_DIR) -> Layout | None:
    return _load_all(str(directory)).get(layout_id)
