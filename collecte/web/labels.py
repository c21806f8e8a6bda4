"""Pages: labels (to be filled by the workshop issue)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("labels", __name__, url_prefix="/labels")
