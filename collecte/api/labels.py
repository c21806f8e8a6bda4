"""API: label layouts, label batches, printer profiles, and receiving devices at a workshop."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ..services import labels as label_service
from ..services import receiving
from .auth import current_api_user, roles
from .schemas.devices import DeviceOut, StrictSchema

blp = Blueprint("api_labels", __name__, description="Labels, printer profiles and receiving")
WORKSHOP = ("technician", "manager")


class LayoutOut(Schema):
    id = fields.Str()
    name = fields.Str()
    kind = fields.Str()
    formats = fields.List(fields.Str())
    page_width_mm = fields.Float(attribute="page_width")
    page_height_mm = fields.Float(attribute="page_height")
    label_width_mm = fields.Float(attribute="label_width")
    label_height_mm = fields.Float(attribute="label_height")
    columns = fields.Int()
    rows = fields.Int()
    per_page = fields.Int()


class LabelOptionsIn(StrictSchema):
    layout = fields.Str(validate=validate.Length(max=60),
                        metadata={"description": "A layout id, e.g. avery-l7160 "
                                                 "(default: the profile's)."})
    start_at = fields.Int(load_default=1, metadata={
        "description": "1-based position of the first label on a partly used sheet."})
    format = fields.Str(load_default="pdf", validate=validate.OneOf(label_service.FORMATS))
    profile_id = fields.Int(allow_none=True, metadata={
        "description": "A printer profile: its offsets (and layout, if none given)."})


class LabelBatchIn(LabelOptionsIn):
    codes = fields.List(fields.Str(validate=validate.Length(max=300)), metadata={
        "description": f"Device codes (any case, dashes optional), 1 to "
                       f"{label_service.MAX_LABELS}."})
    pledge_id = fields.Int(metadata={"description": "Instead of codes: a pledge's devices."})


class JobRefOut(Schema):
    job_id = fields.Str()
    total = fields.Int()
    status_url = fields.Str()


def _options(data: dict) -> label_service.BatchOptions:
    return label_service.BatchOptions(layout_id=data.get("layout"), fmt=data.get("format", "pdf"),
                                      start_at=data.get("start_at", 1),
                                      profile_id=data.get("profile_id"))


def _job_ref(job) -> dict:
    return {"job_id": job.id, "total": job.total,
            "status_url": url_for("api_jobs.JobById", job_id=job.id, _external=True)}


@blp.route("/label-layouts")
class LabelLayouts(MethodView):
    @blp.response(200, LayoutOut(many=True))
    def get(self):
        """The label stocks that can be printed (files of labels/)."""
        current_api_user()
        return label_service.layouts()


@blp.route("/label-layouts/<string:layout_id>/preview/<string:code>")
class LabelPreview(MethodView):
    @roles(*WORKSHOP)
    @blp.response(200, content_type="image/png")
    def get(self, layout_id, code):
        """One device's label as a PNG (300 dpi) on this layout."""
        from flask import Response

        png = label_service.preview_png(current_api_user(), code, layout_id)
        return Response(png, mimetype="image/png")


@blp.route("/label-batches")
class LabelBatches(MethodView):
    @roles(*WORKSHOP)
    @blp.arguments(LabelBatchIn)
    @blp.response(202, JobRefOut)
    def post(self, data):
        """Queue a label batch (codes or a pledge); poll GET /jobs/{job_id} for its progress."""
        job = label_service.request_batch(current_api_user(), _options(data),
                                          codes=data.get("codes"), pledge_id=data.get("pledge_id"))
        return _job_ref(job)


class ProfileIn(StrictSchema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    layout_id = fields.Str(required=True, validate=validate.Length(max=60))
    offset_x_mm = fields.Float(load_default=0.0, validate=validate.Range(-20, 20))
    offset_y_mm = fields.Float(load_default=0.0, validate=validate.Range(-20, 20))


class ProfileOut(Schema):
    id = fields.Int()
    name = fields.Str()
    layout_id = fields.Str()
    offset_x_mm = fields.Float()
    offset_y_mm = fields.Float()


@blp.route("/printer-profiles")
class PrinterProfiles(MethodView):
    @roles(*WORKSHOP)
    @blp.response(200, ProfileOut(many=True))
    def get(self):
        """The printer profiles of the caller's organisation."""
        return label_service.list_profiles(current_api_user())

    @roles(*WORKSHOP)
    @blp.arguments(ProfileIn)
    @blp.response(201, ProfileOut)
    def post(self, data):
        """Add a printer profile: its label stock and the offsets that align its prints."""
        return label_service.save_profile(current_api_user(), label_service.ProfileDraft(**data))


@blp.route("/printer-profiles/<int:profile_id>")
class PrinterProfileById(MethodView):
    @roles(*WORKSHOP)
    @blp.response(200, ProfileOut)
    def get(self, profile_id):
        return label_service.get_profile(current_api_user(), profile_id)

    @roles(*WORKSHOP)
    @blp.arguments(ProfileIn)
    @blp.response(200, ProfileOut)
    def put(self, data, profile_id):
        return label_service.save_profile(current_api_user(), label_service.ProfileDraft(**data),
                                          profile_id)

    @roles(*WORKSHOP)
    @blp.response(204)
    def delete(self, profile_id):
        label_service.delete_profile(current_api_user(), profile_id)


class ReceiptIn(StrictSchema):
    pledge_id = fields.Int(required=True)
    codes = fields.List(fields.Str(validate=validate.Length(max=300)), metadata={
        "description": "Only these placeholders of the pledge (default: all still pledged)."})
    site_id = fields.Int(allow_none=True)
    labels = fields.Nested(LabelOptionsIn, metadata={
        "description": "Print the received devices' labels in the same step."})


class ReceiptOut(Schema):
    devices = fields.List(fields.Nested(DeviceOut))
    label_job_id = fields.Str(allow_none=True)


@blp.route("/receipts")
class Receipts(MethodView):
    @roles(*WORKSHOP)
    @blp.arguments(ReceiptIn)
    @blp.alt_response(409, response="CONFLICT")
    @blp.response(201, ReceiptOut)
    def post(self, data):
        """Receive all or some placeholders of a pledge at the caller's site."""
        options = _options(data["labels"]) if data.get("labels") else None
        receipt = receiving.receive_pledge(current_api_user(), data["pledge_id"],
                                           codes=data.get("codes"), site_id=data.get("site_id"),
                                           labels=options)
        return {"devices": receipt.devices,
                "label_job_id": receipt.job.id if receipt.job else None}


class UnannouncedDeviceIn(StrictSchema):
    kind = fields.Str(required=True)
    make = fields.Str(load_default="", validate=validate.Length(max=100))
    model = fields.Str(load_default="", validate=validate.Length(max=200))
    serial = fields.Str(allow_none=True, validate=validate.Length(max=100))
    asset_tag = fields.Str(allow_none=True, validate=validate.Length(max=100))
    site_id = fields.Int(allow_none=True)
    donor_id = fields.Int(allow_none=True)
    labels = fields.Nested(LabelOptionsIn, metadata={"description": "Print its label too."})


class RegisteredDeviceOut(DeviceOut):
    label_job_id = fields.Str(allow_none=True)


@blp.route("/devices")
class UnannouncedDevices(MethodView):
    @roles(*WORKSHOP)
    @blp.arguments(UnannouncedDeviceIn)
    @blp.response(201, RegisteredDeviceOut)
    def post(self, data):
        """Register a device that arrived without a pledge (stage received, at your site)."""
        options = _options(data.pop("labels")) if data.get("labels") else None
        receipt = receiving.register_device(current_api_user(),
                                            receiving.UnannouncedDevice(**data), labels=options)
        device = receipt.devices[0]
        device.label_job_id = receipt.job.id if receipt.job else None
        return device
