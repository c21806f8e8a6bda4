"""The home page: what each role does first."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from ..services import devices as device_service
from .helpers import acting_user

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def home():
    user = acting_user()
    recent, total = device_service.list_devices(user, device_service.DeviceFilter(per_page=20))
    return render_template("home.html", recent=recent, total=total)
