"""Printing device labels: layouts from `labels/`, QR matrices, and PDF/PNG/ZPL renderers."""
