"""Pages: social (to be filled by its issue)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("social", __name__, url_prefix="/social")
