"""API: pledges — create, list, move through the life cycle, import an inventory, documents."""

from __future__ import annotations

import json
from http import HTTPStatus

from flask import request, send_file
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.exceptions import RequestEntityTooLarge

from ..domain import pledges as rules
from ..domain.stages import N_
from ..errors import Invalid
from ..services import documents as document_service
from ..services import imports as import_service
from ..services import pledges as pledge_service
from .auth import current_api_user
from .schemas.pledges import (
    DocumentIn,
    DocumentOut,
    FollowUpOut,
    JobAcceptedOut,
    PledgeIn,
    PledgeListOut,
    PledgeOut,
    PledgeQueryIn,
    TransitionIn,
)

blp = Blueprint("api_pledges", __name__, description="Pledges (promesses de don) and documents")


def _out(pledges):
    counts = pledge_service.device_counts([p.id for p in pledges])
    for pledge in pledges:
        pledge.device_count = counts.get(pledge.id, 0)
    return pledges


@blp.route("/pledges")
class Pledges(MethodView):
    @blp.arguments(PledgeQueryIn, location="query", as_kwargs=True)
    @blp.response(200, PledgeListOut)
    def get(self, status=None):
        """The pledges the caller may see (a donor: its organisation's), newest first."""
        items = _out(pledge_service.list_pledges(current_api_user(), status))
        return {"items": items, "total": len(items)}

    @blp.arguments(PledgeIn)
    @blp.response(201, PledgeOut)
    def post(self, data):
        """Create a pledge (draft, or submitted with `submit: true`), one placeholder device
        per promised item."""
        submit = data.pop("submit")
        draft = pledge_service.PledgeDraft(**data)
        pledge = pledge_service.create_pledge(current_api_user(), draft, submit=submit)
        return _out([pledge])[0]


@blp.route("/pledges/<int:pledge_id>")
class PledgeById(MethodView):
    @blp.response(200, PledgeOut)
    def get(self, pledge_id):
        """One pledge."""
        return _out([pledge_service.get_pledge(current_api_user(), pledge_id)])[0]


def _transition_view(action: str):
    @blp.arguments(TransitionIn)
    @blp.alt_response(409, response="CONFLICT")
    @blp.response(200, PledgeOut)
    def view(data, pledge_id):
        pledge = pledge_service.transition(current_api_user(), pledge_id, action, **data)
        return _out([pledge])[0]

    view.__name__ = f"pledge_{action}"
    view.__doc__ = f"Move the pledge: {action} (see the transitions table)."
    blp.route(f"/pledges/<int:pledge_id>/{action}", methods=["POST"],
              endpoint=f"pledge_{action}")(view)


for _action in rules.ACTIONS:
    _transition_view(_action)


@blp.route("/pledges/<int:pledge_id>/devices")
class PledgeDevices(MethodView):
    @blp.response(200, FollowUpOut(many=True))
    def get(self, pledge_id):
        """Each device of the pledge with its stage and outcome (never who received it)."""
        return pledge_service.follow_up(current_api_user(), pledge_id)


_INVENTORY_FIELDS = {"file", "mapping", "default_kind"}


@blp.route("/pledges/<int:pledge_id>/inventory")
class PledgeInventory(MethodView):
    @blp.response(202, JobAcceptedOut)
    @blp.alt_response(413, response=HTTPStatus(413).name)
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    @blp.doc(requestBody={"content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"], "properties": {
            "file": {"type": "string", "format": "binary"},
            "mapping": {"type": "string", "description": 'JSON: {"serial": "N° de série", ...}'},
            "default_kind": {"type": "string"}}}}}})
    def post(self, pledge_id):
        """Import an inventory (CSV, XLSX, ODS) as a background job; poll /jobs/{job_id}."""
        user = current_api_user()
        try:
            upload = request.files.get("file")
            raw_mapping = request.form.get("mapping")
            default_kind = request.form.get("default_kind") or None
        except RequestEntityTooLarge as exc:
            raise import_service.too_large() from exc
        # Like the JSON schemas: an unknown field (an organisation, a status...) is refused.
        # A multipart part may come without a name (None): it is unknown too, named "".
        sent = {name or "" for name in (*request.form, *request.files)}
        unknown = sorted(sent - _INVENTORY_FIELDS)
        if unknown:
            raise Invalid("Ces champs ne sont pas acceptés : %(fields)s.",
                          params={"fields": ", ".join(unknown)},
                          errors={name: ["Unknown field."] for name in unknown})
        if upload is None:
            raise Invalid("Envoyez le fichier dans le champ « file ».",
                          errors={"file": [N_("Obligatoire.")]})
        try:
            mapping = json.loads(raw_mapping) if raw_mapping else None
        except ValueError as exc:
            raise Invalid("« mapping » doit être un objet JSON.",
                          errors={"mapping": [N_("JSON invalide.")]}) from exc
        if mapping is not None and not isinstance(mapping, dict):
            raise Invalid("« mapping » doit être un objet JSON.", errors={"mapping": [N_("Objet.")]})
        upload_id = import_service.save_upload(user, pledge_id, upload.filename or "", upload.read())
        job = import_service.start_import(user, pledge_id, upload_id, mapping, default_kind)
        return {"job_id": job.id}


@blp.route("/pledges/<int:pledge_id>/documents")
class PledgeDocuments(MethodView):
    @blp.response(200, DocumentOut(many=True))
    def get(self, pledge_id):
        """The pledge's documents, superseded ones included (newest first)."""
        return document_service.list_documents(current_api_user(), pledge_id)

    @blp.arguments(DocumentIn)
    @blp.response(202, DocumentOut)
    def post(self, data, pledge_id):
        """Issue (or re-issue: the new one supersedes the old) a document; built in background."""
        return document_service.issue(current_api_user(), pledge_id, data["kind"])


@blp.route("/documents/<int:document_id>/file")
class DocumentFile(MethodView):
    @blp.response(200, content_type="application/pdf")
    def get(self, document_id):
        """The PDF of an issued document."""
        document, path = document_service.document_file(current_api_user(), document_id)
        response = send_file(path, mimetype="application/pdf", as_attachment=True,
                             download_name=f"{document.number}.pdf")
        response.headers["X-Content-SHA256"] = document.sha256
        return response
