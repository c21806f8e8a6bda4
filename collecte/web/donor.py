"""Pages: donor (to be filled by its issue)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("donor", __name__, url_prefix="/donor")
