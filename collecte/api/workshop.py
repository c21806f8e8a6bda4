"""API: workshop records of a device (diagnosis, erasures, resets, checks) and site transfers."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from ..services import workshop as service
from .auth import current_api_user, roles
from .schemas.devices import DeviceOut
from .schemas.workshop import (
    CheckIn,
    CheckOut,
    DiagnosisIn,
    DiagnosisOut,
    DiagnosisPageOut,
    ErasureOut,
    ErasuresIn,
    ResetIn,
    ResetOut,
    TransferIn,
)

blp = Blueprint("api_workshop", __name__, description="Workshop records and site transfers")
WORKSHOP = ("technician", "manager")


@blp.route("/devices/<string:code>/diagnosis")
class DiagnosisView(MethodView):
    @roles(*WORKSHOP)
    @blp.response(200, DiagnosisPageOut)
    def get(self, code):
        """The device's specs, listed storage media and diagnoses."""
        device = service.visible_device(current_api_user(), code)
        return {"cpu": device.cpu, "ram_gb": device.ram_gb, "media": service.list_media(device),
                "diagnoses": service.list_diagnoses(device)}

    @roles(*WORKSHOP)
    @blp.arguments(DiagnosisIn)
    @blp.alt_response(409, response="CONFLICT")
    @blp.response(201, DiagnosisOut)
    @blp.alt_response(404, description="Unknown code, or a device the caller may not see.")
    @blp.alt_response(422, description="Unknown defect or medium type.")
    def post(self, data, code):
        """Record a diagnosis: specs, the storage media found, defects from the short list."""
        media = [service.MediumIn(**m) for m in data.pop("media")]
        return service.record_diagnosis(current_api_user(), code, media=media, **data)


@blp.route("/devices/<string:code>/erasures")
class ErasuresView(MethodView):
    @roles(*WORKSHOP)
    @blp.response(200, ErasureOut(many=True))
    def get(self, code):
        """The erasure records of the device, oldest first."""
        return service.list_erasures(service.visible_device(current_api_user(), code))

    @roles(*WORKSHOP)
    @blp.arguments(ErasuresIn)
    @blp.alt_response(409, response="CONFLICT")
    @blp.response(201, ErasureOut(many=True))
    @blp.alt_response(422, description="A medium is missing, a level is Clear, or a "
                      "verification failed: the problem names what is missing.")
    def post(self, data, code):
        """Record the erasure of every medium not yet erased (Purge or Destroy, verified)."""
        batch = service.ErasureBatch(
            technique=data["technique"], tool=data["tool"], tool_version=data["tool_version"],
            performed_at=data.get("performed_at"),
            entries=[service.ErasureIn(**e) for e in data["erasures"]])
        return service.record_erasures(current_api_user(), code, batch)


@blp.route("/devices/<string:code>/resets")
class ResetsView(MethodView):
    @roles(*WORKSHOP)
    @blp.response(200, ResetOut(many=True))
    def get(self, code):
        """Factory reset and activation-lock / MDM release records."""
        return service.list_resets(service.visible_device(current_api_user(), code))

    @roles(*WORKSHOP)
    @blp.arguments(ResetIn)
    @blp.alt_response(409, response="CONFLICT")
    @blp.response(201, ResetOut)
    def post(self, data, code):
        """Record a factory reset with the activation lock / MDM released (both required)."""
        return service.record_reset(current_api_user(), code, **data)


@blp.route("/devices/<string:code>/checks")
class ChecksView(MethodView):
    @roles(*WORKSHOP)
    @blp.response(200, CheckOut(many=True))
    def get(self, code):
        """Functional checks and the grades they gave."""
        return service.list_checks(service.visible_device(current_api_user(), code))

    @roles(*WORKSHOP)
    @blp.arguments(CheckIn)
    @blp.alt_response(409, response="CONFLICT")
    @blp.response(201, CheckOut)
    def post(self, data, code):
        """Record the functional checklist and grade A/B/C (sets the device's grade)."""
        return service.record_check(current_api_user(), code, **data)


@blp.route("/transfers")
class Transfers(MethodView):
    @roles(*WORKSHOP)
    @blp.arguments(TransferIn)
    @blp.alt_response(409, response="CONFLICT")
    @blp.response(201, DeviceOut)
    @blp.alt_response(200, schema=DeviceOut, description="Already recorded: nothing changed.")
    def post(self, data):
        """Move a device to another site of its operator; idempotent by client_event_id."""
        device, created = service.transfer(current_api_user(), data["code"], data["site_id"],
                                           client_event_id=data["client_event_id"],
                                           occurred_at=data.get("occurred_at"))
        return device, (201 if created else 200)
