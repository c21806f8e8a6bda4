"""Requests, decisions, suggestion, reservation (/api/v1/requests...) and handovers."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from ..services import allocation as allocation_service
from ..services import handover as handover_service
from ..services import requests as service
from .auth import current_api_user, roles
from .schemas.social import (
    AllocationOut,
    ContestIn,
    HandoverIn,
    RejectIn,
    RequestIn,
    RequestOut,
    ReserveIn,
    ReviewIn,
    SuggestionOut,
)

blp = Blueprint("api_requests", __name__,
                description="Allocation requests, the queue, reservations and handovers")


def _out(user, request) -> dict:
    allocation = allocation_service.active_allocation(request)
    show_code = (allocation is not None and user.role == "social_worker"
                 and request.organisation_id == user.organisation_id)
    return {**{c: getattr(request, c) for c in (
        "id", "beneficiary_id", "device_kind", "purpose", "urgency", "department_code",
        "status", "submitted_at", "approved_at", "rejection_reason", "contested_at",
        "reviewed_at")},
        "queue_position": allocation_service.queue_position(request),
        "explanation": allocation_service.explain(request),
        "pickup_code": allocation.pickup_code if show_code else None}


@blp.route("/requests")
class Requests(MethodView):
    @roles("social_worker")
    @blp.arguments(RequestIn)
    @blp.response(201, RequestOut)
    def post(self, data):
        """Ask a device for a beneficiary of the caller's structure."""
        user = current_api_user()
        return _out(user, service.create_request(user, **data))


@blp.route("/requests/<int:request_id>")
class RequestById(MethodView):
    @blp.response(200, RequestOut)
    def get(self, request_id):
        """Status, queue position and its explanation in plain French."""
        user = current_api_user()
        return _out(user, service.get_request(user, request_id))


@blp.route("/requests/<int:request_id>/approve")
class Approve(MethodView):
    @roles("manager")
    @blp.response(200, RequestOut)
    @blp.alt_response(409, response="CONFLICT")
    def post(self, request_id):
        """A manager approves: the request joins the queue."""
        user = current_api_user()
        return _out(user, service.approve(user, request_id))


@blp.route("/requests/<int:request_id>/reject")
class Reject(MethodView):
    @roles("manager")
    @blp.arguments(RejectIn)
    @blp.alt_response(409, response="CONFLICT")
    @blp.response(200, RequestOut)
    def post(self, data, request_id):
        """A manager rejects, with a reason."""
        user = current_api_user()
        return _out(user, service.reject(user, request_id, data["reason"]))


@blp.route("/requests/<int:request_id>/contest")
class Contest(MethodView):
    @roles("social_worker")
    @blp.arguments(ContestIn)
    @blp.alt_response(409, response="CONFLICT")
    @blp.response(200, RequestOut)
    def post(self, data, request_id):
        """The social worker contests a refusal."""
        user = current_api_user()
        return _out(user, service.contest(user, request_id, data["note"]))


@blp.route("/requests/<int:request_id>/review")
class Review(MethodView):
    @roles("manager")
    @blp.arguments(ReviewIn)
    @blp.alt_response(409, response="CONFLICT")
    @blp.response(200, RequestOut)
    def post(self, data, request_id):
        """Another manager reviews a contested refusal: approve, or confirm the refusal."""
        user = current_api_user()
        return _out(user, service.review(user, request_id, data["decision"], data.get("note")))


@blp.route("/requests/<int:request_id>/suggestion")
class SuggestionView(MethodView):
    @roles("manager", "technician")
    @blp.response(200, SuggestionOut)
    def get(self, request_id):
        """The ready device the queue rule suggests for this request (a person confirms)."""
        suggestion = allocation_service.suggest(current_api_user(), request_id)
        device = suggestion.device
        return {"request_id": suggestion.request.id,
                "queue_position": suggestion.queue_position,
                "device_code": device.printed_code if device else None,
                "device": device.title if device else None,
                "site": device.site.name if device and device.site else None,
                "ready_since": device.stage_changed_at if device else None,
                "rule": allocation_service.RULE_TEXT,
                "accessibility_note": suggestion.needs_note}


@blp.route("/requests/<int:request_id>/reserve")
class Reserve(MethodView):
    @roles("manager", "technician")
    @blp.arguments(ReserveIn)
    @blp.alt_response(409, response="CONFLICT")
    @blp.response(201, AllocationOut)
    def post(self, data, request_id):
        """Confirm: reserve this device for the request. 409 if it is no longer ready."""
        return allocation_service.reserve(current_api_user(), request_id, data["code"])


@blp.route("/handovers")
class Handovers(MethodView):
    @roles("manager", "technician", "social_worker")
    @blp.arguments(HandoverIn)
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    @blp.response(201, AllocationOut)
    def post(self, data):
        """Confirm a pickup by its code: the device becomes `allocated`."""
        return handover_service.confirm(current_api_user(), data["pickup_code"])
