"""API: reports (to be filled by its issue)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api_reports", __name__, description="reports")
