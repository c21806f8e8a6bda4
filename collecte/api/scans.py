"""POST /api/v1/scans: move a device to a stage, idempotently."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from ..services import stages
from .auth import current_api_caller
from .schemas.devices import DeviceOut, ScanIn

blp = Blueprint("api_scans", __name__, description="Scans that move devices between stages")


@blp.route("/scans")
class Scans(MethodView):
    @blp.arguments(ScanIn())  # an instance: webargs would build one per request from a class
    @blp.response(201, DeviceOut, description="The device, moved.")
    @blp.alt_response(200, schema=DeviceOut, description="This client_event_id was already "
                      "recorded: nothing changed.")
    @blp.alt_response(404, description="Unknown code, or a device the caller may not see.")
    @blp.alt_response(409, description="The table forbids this move; the problem names the "
                      "current stage and the allowed next stages.")
    @blp.alt_response(422, description="Mistyped code, missing proof, or unknown fields.")
    def post(self, scan):
        """Scan a device to a stage. Re-sending the same client_event_id changes nothing."""
        result = stages.advance(current_api_caller(), scan["code"], scan["to"],
                                client_event_id=scan["client_event_id"],
                                note=scan.get("note"), site_id=scan.get("site_id"),
                                occurred_at=scan.get("occurred_at"))
        return result.device, (201 if result.created else 200)
