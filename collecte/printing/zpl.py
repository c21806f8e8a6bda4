"""ZPL labels for Zebra printers, from a Jinja text template; user text is ^FH hex-escaped."""

from __future__ import annotations

import functools
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import jinja2

from .layouts import Layout
from .qr import _version
from .render import PROGRESS_EVERY, LabelData, geometry

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "printing"
# Left as they are; everything else (^, ~, _, \, non-ASCII...) becomes _XX hex bytes under ^FH,
# so no text of a model name or a site can end a field or start a command.
_SAFE = frozenset(string.ascii_letters + string.digits + " .,-/:()+#*'")


def zpl_escape(value: object) -> str:
    """Text safe inside a ^FH^FD field: unsafe characters as UTF-8 bytes `_XX` (^CI28)."""
    text = " ".join(str(value).split())
    return "".join(ch if ch in _SAFE else "".join(f"_{b:02X}" for b in ch.encode("utf-8"))
                   for ch in text)


@functools.cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=False,  # noqa: S701 - ZPL, not HTML
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["zpl"] = zpl_escape
    return env.get_template("zpl_label.zpl.j2")


@dataclass(frozen=True)
class ZplGeometry:
    """The label's layout in printer dots."""

    width: int
    height: int
    offset_x: int
    offset_y: int
    qr_x: int
    qr_y: int
    qr_w: int
    magnification: int
    code_y: int
    code_h: int
    text_x: int
    text_y: int
    text_w: int
    text_h: int
    line: int


def zpl_geometry(layout: Layout, url_length: int, offset_mm: tuple[float, float]) -> ZplGeometry:
    dots = (layout.dpi or 203) / 25.4
    g = geometry(layout)
    modules = 17 + 4 * _version(url_length)
    qr_w = round(g.qr_size * dots)
    magnification = max(1, min(10, qr_w // (modules + 2)))
    text_h = max(round(g.text_pt / 72 * 25.4 * dots), 12)
    return ZplGeometry(
        width=round(layout.label_width * dots), height=round(layout.label_height * dots),
        offset_x=round(offset_mm[0] * dots), offset_y=round(offset_mm[1] * dots),
        qr_x=round(g.qr_x * dots), qr_y=round(g.qr_y * dots), qr_w=qr_w,
        magnification=magnification,
        code_y=round((g.qr_y + g.qr_size) * dots),
        code_h=max(round(g.code_pt / 72 * 25.4 * dots), 12),
        text_x=round(g.text_x * dots), text_y=round(g.qr_y * dots),
        text_w=round(g.text_width * dots), text_h=text_h, line=round(text_h * 1.2))


def write_zpl(labels: Iterable[LabelData], layout: Layout, out: TextIO, *,
              offset_mm: tuple[float, float] = (0.0, 0.0),
              progress: Callable[[int], None] | None = None) -> int:
    """One ^XA…^XZ block per label, written as they come."""
    template = _template()
    geometries: dict[int, ZplGeometry] = {}
    count = 0
    for label in labels:
        length = len(label.url.encode("utf-8"))
        if length not in geometries:
            geometries[length] = zpl_geometry(layout, length, offset_mm)
        out.write(template.render(g=geometries[length], url=label.url, code=label.printed_code,
                                  kind=label.kind, title=label.title, site=label.site))
        count += 1
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
    return count
