"""POST /api/v1/exports (a background export job) and the open-data Table Schema."""

from __future__ import annotations

from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields

from ..extensions import db
from ..jobs import enqueue
from ..services import dashboard as dashboard_service
from ..services import exports as export_service
from .auth import current_api_user, roles
from .schemas.reports import ExportIn

blp = Blueprint("api_exports", __name__, description="Exports of the managers' figures")


class ExportJobOut(Schema):
    job_id = fields.Str()


@blp.route("/exports")
class Exports(MethodView):
    @roles("manager")
    @blp.arguments(ExportIn, unknown=RAISE)
    @blp.response(202, ExportJobOut)
    def post(self, body):
        """Start an export (devices, pipeline or open data; CSV or XLSX) with the dashboard's
        filters; poll GET /api/v1/jobs/{job_id} and download from its result_url."""
        user = current_api_user()
        kind, fmt = body.pop("export_kind"), body.pop("format")
        filters = dashboard_service.Filters(**body)
        dashboard_service.scoped_filters(user, filters)  # refuse now, not in the worker
        job = enqueue(db.session, export_service.TASK, kind=f"export-{kind}", user=user,
                      params={"kind": kind, "format": fmt, "filters": filters.as_query()})
        db.session.commit()
        return {"job_id": job.id}


@blp.route("/exports/opendata/schema.json")
class OpendataSchema(MethodView):
    @blp.doc(security=[], responses={"200": {
        "description": "A frictionless Table Schema.",
        "content": {"application/json": {"schema": {"type": "object"}}}}})
    def get(self):
        """The Table Schema (frictionless) describing the open-data export."""
        return jsonify(export_service.opendata_schema())
