"""QR codes of device URLs as module matrices and as rectangles ready to draw as vectors."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import qrcode
from qrcode.constants import ERROR_CORRECT_M

# qrcode's default picks the best of the 8 masks by scoring each one, which is 85% of its
# encoding time (3.8 ms → 0.6 ms per URL here). Any mask is valid QR; the URLs differ only in
# their last 9 symbols, and the tests decode every label back with a real decoder.
MASK_PATTERN = 2
QUIET_MODULES = 2  # inside the QR box; the label's padding adds more white around it
_DARK_RUN = re.compile(b"\x01+")


def device_url(public_url: str, code: str) -> str:
    """What every label's QR code holds: the device page, with the canonical code."""
    return f"{public_url.rstrip('/')}/d/{code}"


@functools.lru_cache(maxsize=64)
def _version(length: int) -> int:
    """The smallest QR version holding `length` bytes; all URLs of a batch share their length."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=MASK_PATTERN)
    qr.add_data("x" * length, optimize=0)
    return qr.best_fit()


def matrix(data: str) -> list[list[bool]]:
    """The QR modules (True = dark), without quiet zone; error correction M (15%)."""
    qr = qrcode.QRCode(version=_version(len(data.encode("utf-8"))),
                       error_correction=ERROR_CORRECT_M, border=0, mask_pattern=MASK_PATTERN)
    qr.add_data(data, optimize=0)
    qr.make(fit=False)
    return qr.modules


@dataclass(frozen=True)
class QrShape:
    """Dark areas of a QR code as rectangles (x, y, width, height) in module units, y down."""

    size: int  # modules per side, without the quiet zone
    rects: tuple[tuple[int, int, int, int], ...]

    def pdf_fill(self) -> str:
        """PDF operators filling the rectangles (integer module coordinates)."""
        return " ".join(f"{x} {y} {w} {h} re" for x, y, w, h in self.rects) + " f"


def shape(data: str) -> QrShape:
    """Merge dark runs of each row, then stack identical runs of following rows: about a third
    of the rectangles of one per module, so PDFs are smaller and drawn faster."""
    modules = matrix(data)
    size = len(modules)
    open_runs: dict[tuple[int, int], int] = {}  # (x, width) → first row
    rects: list[tuple[int, int, int, int]] = []
    for y in range(size + 1):
        runs = ({(m.start(), m.end() - m.start()) for m in _DARK_RUN.finditer(bytes(modules[y]))}
                if y < size else set())
        for run in [r for r in open_runs if r not in runs]:
            first = open_runs.pop(run)
            rects.append((run[0], first, run[1], y - first))
        for run in runs:
            open_runs.setdefault(run, y)
    return QrShape(size=size, rects=tuple(rects))
