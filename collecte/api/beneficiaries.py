"""API: beneficiaries (to be filled by its issue)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api_beneficiaries", __name__, description="beneficiaries")
