"""PNG labels with Pillow: a preview of one label, or a ZIP of one PNG per label (streamed)."""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageDraw, ImageFont

from .layouts import Layout
from .qr import QUIET_MODULES, shape
from .render import PROGRESS_EVERY, LabelData, geometry

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


@functools.lru_cache(maxsize=32)
def _font(size_px: int, bold: bool = False, mono: bool = False):
    name = ("DejaVuSansMono-Bold.ttf" if mono else
            "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    try:
        return ImageFont.truetype(str(FONT_DIR / name), size_px)
    except OSError:  # no DejaVu here: Pillow's own scalable font
        return ImageFont.load_default(size_px)


def _fit(draw: ImageDraw.ImageDraw, text: str, font, width: float) -> str:
    text = " ".join(text.split())
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…" if text else ""


def label_png(label: LabelData, layout: Layout, dpi: int = 300) -> bytes:
    """One label as a PNG at `dpi`, laid out like the PDF one."""
    px = dpi / 25.4
    g = geometry(layout)
    image = Image.new("L", (round(layout.label_width * px), round(layout.label_height * px)), 255)
    draw = ImageDraw.Draw(image)
    qr = shape(label.url)
    module = g.qr_size * px / (qr.size + 2 * QUIET_MODULES)
    left = g.qr_x * px + QUIET_MODULES * module
    top = g.qr_y * px + QUIET_MODULES * module
    for x, y, w, h in qr.rects:
        draw.rectangle((round(left + x * module), round(top + y * module),
                        round(left + (x + w) * module) - 1, round(top + (y + h) * module) - 1),
                       fill=0)
    pt = dpi / 72
    code_font = _font(round(g.code_pt * pt), mono=True)
    draw.text(((g.qr_x + g.qr_size / 2) * px, g.code_baseline * px), label.printed_code,
              font=code_font, fill=0, anchor="ms")
    width = g.text_width * px
    y = g.qr_y * px
    for text, font in ((label.kind, _font(round(g.text_pt * pt), bold=True)),
                       (label.title, _font(round(g.text_pt * pt))),
                       (label.site, _font(round(g.text_pt * 0.9 * pt)))):
        draw.text((g.text_x * px, y), _fit(draw, text, font, width), font=font, fill=0)
        y += g.text_pt * 1.2 * pt
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def write_png_zip(labels: Iterable[LabelData], layout: Layout, out: BinaryIO | str, *,
                  dpi: int = 300, progress: Callable[[int], None] | None = None) -> int:
    """A ZIP of one PNG per label, named by code; one image in memory at a time."""
    count = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for label in labels:
            archive.writestr(f"{label.printed_code}.png", label_png(label, layout, dpi))
            count += 1
            if progress and count % PROGRESS_EVERY == 0:
                progress(count)
    return count
