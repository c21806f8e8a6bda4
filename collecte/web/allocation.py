"""Pages: the queue, decisions, suggestion and confirmation, handover by code, the rules."""

from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..domain import queue
from ..domain.models.devices import KIND_LABELS, DeviceKind
from ..errors import DomainError, translated
from ..services import allocation as allocation_service
from ..services import handover as handover_service
from ..services import requests as request_service
from ..services.beneficiaries import ACCESSIBILITY_NEEDS
from .helpers import require_role
from .social_forms import EmptyForm, HandoverForm, ReasonForm, ReserveForm, ReviewForm

bp = Blueprint("allocation", __name__, url_prefix="/allocation")
DECIDERS = ("manager",)
STAFF = ("manager", "technician")


def _refused(error: DomainError) -> None:
    if error.status == 404:
        raise error
    problems = error.extra.get("problems") or []
    flash(" ".join([translated(error)] + [_(p) for p in problems]), "error")


@bp.get("/")
@login_required
def index():
    user = require_role(*STAFF)
    submitted = request_service.list_requests(user, statuses=("submitted",))
    approved = request_service.list_requests(user, statuses=("approved",), limit=1000)
    queues: dict[tuple[str, str], list] = defaultdict(list)
    for r in queue.order(approved):
        queues[(r.device_kind, r.department_code)].append(r)
    return render_template("allocation/index.html", submitted=list(reversed(submitted)),
                           queues=sorted(queues.items()),
                           reviews=request_service.pending_reviews(user),
                           reserved=allocation_service.reserved_requests(user),
                           kind_labels=KIND_LABELS, DeviceKind=DeviceKind,
                           department_label=allocation_service.department_label,
                           urgency=queue.urgency, purposes=request_service.PURPOSES)


@bp.get("/requests/<int:request_id>")
@login_required
def show(request_id: int):
    user = require_role(*STAFF)
    req = request_service.get_request(user, request_id)
    suggestion = (allocation_service.suggest(user, request_id)
                  if req.status == "approved" else None)
    reserve_form = ReserveForm(code=suggestion.device.printed_code
                               if suggestion and suggestion.device else "")
    return render_template(
        "allocation/request.html", req=req, suggestion=suggestion, reserve_form=reserve_form,
        approve_form=EmptyForm(), reject_form=ReasonForm(), review_form=ReviewForm(),
        sentence=allocation_service.explain(req), events=request_service.history(req),
        labels=request_service.STATUS_LABELS, purposes=request_service.PURPOSES,
        urgency=queue.urgency(req.urgency), needs=ACCESSIBILITY_NEEDS,
        kind_label=KIND_LABELS[DeviceKind(req.device_kind)],
        department_label=allocation_service.department_label(req.department_code),
        allocation=allocation_service.active_allocation(req))


def _back(request_id: int):
    return redirect(url_for("allocation.show", request_id=request_id), 303)


@bp.post("/requests/<int:request_id>/approve")
@login_required
def approve(request_id: int):
    user = require_role(*DECIDERS)
    if EmptyForm().validate_on_submit():
        try:
            request_service.approve(user, request_id)
            flash(_("Demande approuvée : elle entre dans la file d'attente."), "success")
        except DomainError as error:
            _refused(error)
    return _back(request_id)


@bp.post("/requests/<int:request_id>/reject")
@login_required
def reject(request_id: int):
    user = require_role(*DECIDERS)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Indiquez la raison du refus."), "error")
        return _back(request_id)
    try:
        request_service.reject(user, request_id, form.reason.data)
        flash(_("Demande refusée. Le travailleur social voit la raison."), "success")
    except DomainError as error:
        _refused(error)
    return _back(request_id)


@bp.post("/requests/<int:request_id>/review")
@login_required
def review(request_id: int):
    user = require_role(*DECIDERS)
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(_("Choisissez : approuver ou confirmer le refus."), "error")
        return _back(request_id)
    try:
        request_service.review(user, request_id, form.decision.data, form.note.data)
        flash(_("Réexamen enregistré."), "success")
    except DomainError as error:
        _refused(error)
    return _back(request_id)


@bp.post("/requests/<int:request_id>/reserve")
@login_required
def reserve(request_id: int):
    user = require_role(*STAFF)
    form = ReserveForm()
    if not form.validate_on_submit():
        flash(_("Indiquez le code de l'appareil."), "error")
        return _back(request_id)
    try:
        allocation = allocation_service.reserve(user, request_id, form.code.data)
        flash(_("Appareil %(code)s réservé. Le travailleur social reçoit le code de retrait.",
                code=allocation.device.printed_code), "success")
    except DomainError as error:
        _refused(error)
    return _back(request_id)


@bp.route("/handover", methods=["GET", "POST"])
@login_required
def handover():
    user = require_role("manager", "technician", "social_worker")
    form = HandoverForm()
    done = None
    if form.validate_on_submit():
        try:
            done = handover_service.confirm(user, form.pickup_code.data)
            form = HandoverForm(formdata=None)
        except DomainError as error:
            if error.status == 404:
                raise
            form.pickup_code.errors = [translated(error)]
    return render_template("allocation/handover.html", form=form, done=done)


@bp.get("/rules")
@login_required
def rules():
    """The queue rule in plain words, readable by anyone logged in."""
    return render_template("allocation/rules.html", urgencies=queue.URGENCIES,
                           rule=queue.RULE_TEXT)
