"""Pages: workshop (to be filled by its issue)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("workshop", __name__, url_prefix="/workshop")
