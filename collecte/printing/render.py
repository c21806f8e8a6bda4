"""PDF labels drawn as vectors with reportlab, streamed page by page; the alignment test page."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from .layouts import Layout
from .qr import QUIET_MODULES, shape

PT_PER_MM = mm
CODE_FONT = "Courier-Bold"
TEXT_FONT = "Helvetica"
BOLD_FONT = "Helvetica-Bold"
PROGRESS_EVERY = 200  # labels between two progress reports
PARALLEL_CHUNK = 1000  # labels encoded per round; a batch smaller than this stays in-process
# Binary (Flate only) page streams: the ASCII85 layer costs 30% of the time of a large batch in
# reportlab's pure-Python encoder and makes the file 25% larger, for no use today.
rl_config.useA85 = 0


@dataclass(frozen=True)
class LabelData:
    """What every label shows, whatever the format."""

    url: str  # in the QR code
    printed_code: str  # in clear under it: 7K3M-9QXT-H
    kind: str  # already translated: « Ordinateur portable »
    title: str  # make and model
    site: str


@dataclass(frozen=True)
class Geometry:
    """Where things go inside one label, in mm from its top-left corner."""

    qr_x: float
    qr_y: float
    qr_size: float
    code_pt: float
    code_baseline: float  # from the label's top
    text_x: float
    text_width: float
    text_pt: float


def geometry(layout: Layout) -> Geometry:
    """QR square on the left with the code under it, as large as the label allows; text right."""
    w, h, p = layout.label_width, layout.label_height, layout.padding
    code_pt = 9.0
    for _ in range(3):  # the code's size follows the QR's width, which follows the code's height
        line = code_pt / PT_PER_MM * 1.15
        qr = min(h - 2 * p - line, w * 0.5)
        # Courier is 0.6 em per character; the printed code has 11.
        code_pt = min(9.0, qr * PT_PER_MM / 6.8)
    line = code_pt / PT_PER_MM * 1.15
    qr = min(h - 2 * p - line, w * 0.5)
    text_x = p + qr + p
    text_pt = max(5.0, min(7.0, h * PT_PER_MM / 12))
    return Geometry(qr_x=p, qr_y=p, qr_size=qr, code_pt=code_pt,
                    code_baseline=p + qr + line * 0.8, text_x=text_x,
                    text_width=max(w - text_x - p, 0.0), text_pt=text_pt)


def fit(text: str, font: str, size: float, width_pt: float) -> str:
    """`text` in the standard fonts' encoding, cut with an ellipsis to fit `width_pt`."""
    text = " ".join(text.split()).encode("cp1252", "replace").decode("cp1252")
    if stringWidth(text, font, size) <= width_pt:
        return text
    while text and stringWidth(text + "…", font, size) > width_pt:
        text = text[:-1]
    return text.rstrip() + "…" if text else ""


def wrap(text: str, font: str, size: float, width_pt: float, lines: int) -> list[str]:
    """Up to `lines` lines of `text`, word-wrapped; the last one cut with an ellipsis."""
    words = " ".join(text.split()).encode("cp1252", "replace").decode("cp1252").split(" ")
    out: list[str] = []
    current = ""
    for index, word in enumerate(words):
        candidate = f"{current} {word}".strip()
        if stringWidth(candidate, font, size) <= width_pt or not current:
            current = candidate
            continue
        if len(out) == lines - 1:
            return out + [fit(" ".join([current, *words[index:]]), font, size, width_pt)]
        out.append(fit(current, font, size, width_pt))
        current = word
    if current:
        out.append(fit(current, font, size, width_pt))
    return out[:lines]


class PdfLabels:
    """A PDF being written: labels are placed slot after slot, a page is emitted when full."""

    def __init__(self, out: BinaryIO | str, layout: Layout, *, start_at: int = 1,
                 offset_mm: tuple[float, float] = (0.0, 0.0), title: str = "Étiquettes"):
        self.layout = layout
        self.geo = geometry(layout)
        self.offset = offset_mm
        self.canvas = Canvas(out, pagesize=(layout.page_width * mm, layout.page_height * mm),
                             pageCompression=1, invariant=1)
        self.canvas.setViewerPreference("PrintScaling", "None")
        self.canvas.setTitle(title)
        self.canvas.setCreator("Collecte")
        self.slot = (start_at - 1) % layout.per_page
        self.count = 0

    def _origin(self, slot: int) -> tuple[float, float]:
        """The label's top-left corner in PDF points (origin at the page's bottom-left)."""
        x, y = self.layout.position(slot)
        x += self.offset[0]
        y += self.offset[1]
        return x * mm, (self.layout.page_height - y) * mm

    def add(self, label: LabelData, qr: tuple[int, str] | None = None) -> None:
        if self.slot == self.layout.per_page:
            self.canvas.showPage()
            self.slot = 0
        x, top = self._origin(self.slot)
        self.draw(label, x, top, qr or qr_fill(label.url))
        self.slot += 1
        self.count += 1

    def draw(self, label: LabelData, x: float, top: float, qr: tuple[int, str]) -> None:
        c, g = self.canvas, self.geo
        size, fill = qr
        module = g.qr_size * mm / (size + 2 * QUIET_MODULES)
        # One fill of integer rectangles per QR, in module units with y pointing down: written
        # as literal operators, as reportlab's path API formats every number in pure Python.
        c.saveState()
        c.transform(module, 0, 0, -module, x + g.qr_x * mm + QUIET_MODULES * module,
                    top - g.qr_y * mm - QUIET_MODULES * module)
        c.addLiteral(fill)
        c.restoreState()
        c.setFont(CODE_FONT, g.code_pt)
        c.drawCentredString(x + (g.qr_x + g.qr_size / 2) * mm, top - g.code_baseline * mm,
                            label.printed_code)
        width = g.text_width * mm
        size = g.text_pt
        lines = [(BOLD_FONT, size, fit(label.kind, BOLD_FONT, size, width))]
        lines += [(TEXT_FONT, size, t) for t in wrap(label.title, TEXT_FONT, size, width, 2)]
        lines.append((TEXT_FONT, size * 0.9, fit(label.site, TEXT_FONT, size * 0.9, width)))
        baseline = top - (g.qr_y * mm + size)
        for font, font_size, text in lines:
            c.setFont(font, font_size)
            c.drawString(x + g.text_x * mm, baseline, text)
            baseline -= size * 1.2

    def close(self) -> None:
        if self.count == 0:
            self.canvas.setFont(TEXT_FONT, 10)
            self.canvas.drawString(10 * mm, 10 * mm, "Aucune étiquette.")
        self.canvas.showPage()
        self.canvas.save()


def qr_fill(url: str) -> tuple[int, str]:
    """(modules per side, PDF fill operators) of a URL's QR code: the costly part of a label."""
    qr = shape(url)
    return qr.size, qr.pdf_fill()


def _chunks(labels: Iterable[LabelData], size: int) -> Iterator[list[LabelData]]:
    chunk: list[LabelData] = []
    for label in labels:
        chunk.append(label)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _encoder_pool():
    """Processes encoding QR codes while this one draws; None where processes cannot be made
    (e.g. inside a daemonic Celery prefork child): the batch is then encoded here."""
    workers = min(os.cpu_count() or 1, 4)
    if workers < 2:
        return None
    try:
        return multiprocessing.get_context("fork").Pool(workers)
    except (AssertionError, OSError, ValueError):
        return None


def write_pdf(labels: Iterable[LabelData], layout: Layout, out: BinaryIO | str, *,
              start_at: int = 1, offset_mm: tuple[float, float] = (0.0, 0.0),
              progress: Callable[[int], None] | None = None, parallel: bool = True) -> int:
    """Draw every label of the iterable (consumed lazily, a chunk at a time); returns how many
    were drawn. Large batches encode their QR codes in other processes, one chunk ahead."""
    pdf = PdfLabels(out, layout, start_at=start_at, offset_mm=offset_mm)
    chunks = _chunks(labels, PARALLEL_CHUNK)
    first = next(chunks, [])
    pool = _encoder_pool() if parallel and len(first) == PARALLEL_CHUNK else None
    try:
        pending = pool.map_async(qr_fill, [la.url for la in first], 64) if pool else None
        current = first
        while current:
            following = next(chunks, [])
            shapes = pending.get() if pool else [None] * len(current)
            if pool and following:
                pending = pool.map_async(qr_fill, [la.url for la in following], 64)
            for label, qr in zip(current, shapes, strict=True):
                pdf.add(label, qr)
                if progress and pdf.count % PROGRESS_EVERY == 0:
                    progress(pdf.count)
            current = following
    finally:
        if pool:
            pool.terminate()
            pool.join()
    pdf.close()
    return pdf.count


def write_alignment_pdf(layout: Layout, out: BinaryIO | str, *,
                        offset_mm: tuple[float, float] = (0.0, 0.0)) -> None:
    """One page: every slot's outline, a crosshair at its centre and its number, so that a
    printed sheet held against the light shows how far the printer shifts."""
    pdf = PdfLabels(out, layout, offset_mm=offset_mm, title=f"Test d'alignement {layout.id}")
    c = pdf.canvas
    c.setLineWidth(0.3)
    for slot in range(layout.per_page):
        x, top = pdf._origin(slot)
        w, h = layout.label_width * mm, layout.label_height * mm
        c.rect(x, top - h, w, h, stroke=1, fill=0)
        cx, cy = x + w / 2, top - h / 2
        arm = min(w, h) / 4
        c.line(cx - arm, cy, cx + arm, cy)
        c.line(cx, cy - arm, cx, cy + arm)
        c.setFont(TEXT_FONT, 6)
        c.drawString(x + 1 * mm, top - 3 * mm, str(slot + 1))
    c.setFont(TEXT_FONT, 7)
    note = (f"{layout.name} — décalage x {offset_mm[0]:+.1f} mm, y {offset_mm[1]:+.1f} mm — "
            "imprimez à 100 % (sans mise à l'échelle).")
    c.drawString(2 * mm, 2 * mm, fit(note, TEXT_FONT, 7, (layout.page_width - 4) * mm))
    c.showPage()
    c.save()
