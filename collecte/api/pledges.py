"""API: pledges (to be filled by its issue)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api_pledges", __name__, description="pledges")
