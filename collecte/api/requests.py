"""API: requests (to be filled by its issue)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api_requests", __name__, description="requests")
