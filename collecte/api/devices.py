"""GET /api/v1/devices and /api/v1/devices/{code}."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from ..services import devices as device_service
from .auth import current_api_user
from .schemas.devices import DeviceDetailOut, DevicePageOut, DeviceQueryIn

blp = Blueprint("api_devices", __name__, description="Devices the caller may see")


@blp.route("/devices")
class Devices(MethodView):
    @blp.arguments(DeviceQueryIn, location="query", as_kwargs=True, unknown=RAISE)
    @blp.response(200, DevicePageOut)
    def get(self, page, per_page, stage=None, kind=None, site=None, pledge=None):
        """List devices, scoped to the caller, filtered and paginated (newest first)."""
        user = current_api_user()
        filters = device_service.DeviceFilter(stage=stage, kind=kind, site_id=site,
                                              pledge_id=pledge, page=page, per_page=per_page)
        items, total = device_service.list_devices(user, filters)
        return {"items": items, "total": total, "page": page, "per_page": per_page}


@blp.route("/devices/<string:code>")
class DeviceByCode(MethodView):
    @blp.response(200, DeviceDetailOut)
    def get(self, code):
        """One device by its public code (any case, dashes optional), with its history."""
        device = device_service.get_device(current_api_user(), code)
        device.history = device_service.history(device)
        return device
