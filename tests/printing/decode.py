"""Reading labels back like a phone would: rasterise with pdftoppm, decode with zxing-cpp."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image


def pdf_pages(pdf: Path | bytes, tmp_path: Path, dpi: int = 300,
              page: int | None = None) -> list[Image.Image]:
    """The pages as images (only page `page`, 1-based, if given)."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    if isinstance(pdf, bytes):
        path = tmp_path / "labels.pdf"
        path.write_bytes(pdf)
    else:
        path = Path(pdf)
    prefix = tmp_path / f"page-{path.stem}"
    only = ["-f", str(page), "-l", str(page)] if page else []
    subprocess.run(["pdftoppm", "-r", str(dpi), *only, "-png", str(path), str(prefix)], check=True)
    pages = sorted(tmp_path.glob(f"{prefix.name}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    return [Image.open(p) for p in pages]


def decode(image: Image.Image | bytes) -> list[str]:
    if isinstance(image, bytes):
        image = Image.open(io.BytesIO(image))
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def decode_pdf(pdf: Path | bytes, tmp_path: Path, page: int | None = None) -> list[list[str]]:
    """The URLs read on each page, in reading order (top to bottom, left to right)."""
    out = []
    for image in pdf_pages(pdf, tmp_path, page=page):
        results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        ordered = sorted(results, key=lambda r: (round(r.position.top_left.y / 100),
                                                 r.position.top_left.x))
        out.append([r.text for r in ordered])
    return out
