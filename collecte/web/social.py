"""Pages of social workers: their requests in plain words, beneficiaries, handover sheets."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..errors import DomainError, translated
from ..services import allocation as allocation_service
from ..services import beneficiaries as beneficiary_service
from ..services import handover as handover_service
from ..services import requests as request_service
from .helpers import require_role
from .social_forms import BeneficiaryForm, ContestForm, RequestForm

bp = Blueprint("social", __name__, url_prefix="/social")


def show_errors(form, error: DomainError) -> None:
    """A service refusal shown on the form: per field when it names fields, else as a message."""
    placed = False
    for name, messages in error.messages.items():
        if name in form:
            form[name].errors = list(form[name].errors or []) + list(messages)
            placed = True
    flash(translated(error), "error")
    if not placed:
        return


@bp.get("/")
@login_required
def index():
    user = require_role("social_worker")
    requests = request_service.list_requests(user)
    rows = [(r, allocation_service.explain(r)) for r in requests]
    return render_template("social/index.html", rows=rows,
                           labels=request_service.STATUS_LABELS,
                           has_rules="allocation.rules" in current_app.view_functions)


@bp.get("/beneficiaries")
@login_required
def beneficiaries():
    user = require_role("social_worker")
    return render_template("social/beneficiaries.html",
                           beneficiaries=beneficiary_service.list_beneficiaries(user))


@bp.route("/beneficiaries/new", methods=["GET", "POST"])
@login_required
def new_beneficiary():
    user = require_role("social_worker")
    form = BeneficiaryForm()
    if form.validate_on_submit():
        data = beneficiary_service.BeneficiaryData(
            reference=form.reference.data, commune_code=form.commune_code.data,
            household_category=form.household_category.data or None,
            accessibility_needs=tuple(form.accessibility_needs.data or ()),
            eligibility_criterion=form.eligibility_criterion.data,
            eligibility_other=form.eligibility_other.data or None,
            attested_at=form.attested_at.data, eligible_until=form.eligible_until.data)
        try:
            beneficiary = beneficiary_service.create_beneficiary(user, data)
        except DomainError as error:
            if error.status == 404:
                raise
            show_errors(form, error)
        else:
            flash(_("Bénéficiaire enregistré : %(ref)s.", ref=beneficiary.reference), "success")
            return redirect(url_for("social.new_request", beneficiary=beneficiary.id), 303)
    return render_template("social/beneficiary_form.html", form=form)


@bp.get("/beneficiaries/<int:beneficiary_id>")
@login_required
def beneficiary(beneficiary_id: int):
    user = require_role("social_worker")
    record = beneficiary_service.read_beneficiary(user, beneficiary_id)
    return render_template("social/beneficiary.html", b=record,
                           accesses=beneficiary_service.accesses(record),
                           criteria=beneficiary_service.criteria(),
                           households=beneficiary_service.HOUSEHOLD_CATEGORIES,
                           needs=beneficiary_service.ACCESSIBILITY_NEEDS)


@bp.get("/beneficiaries/<int:beneficiary_id>/export.json")
@login_required
def export_json(beneficiary_id: int):
    data = beneficiary_service.export_data(require_role("social_worker"), beneficiary_id)
    return Response(json.dumps(data, ensure_ascii=False, indent=2),
                    mimetype="application/json", headers={
                        "Content-Disposition": f"attachment; filename=beneficiaire-"
                                               f"{beneficiary_id}.json"})


@bp.get("/beneficiaries/<int:beneficiary_id>/export.pdf")
@login_required
def export_pdf(beneficiary_id: int):
    data = beneficiary_service.export_data(require_role("social_worker"), beneficiary_id)
    return Response(beneficiary_service.export_pdf(data), mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename=beneficiaire-"
                                                    f"{beneficiary_id}.pdf"})


@bp.route("/requests/new", methods=["GET", "POST"])
@login_required
def new_request():
    from flask import request as http

    user = require_role("social_worker")
    people = beneficiary_service.list_beneficiaries(user)
    if not people:
        flash(_("Enregistrez d'abord un bénéficiaire."), "info")
        return redirect(url_for("social.new_beneficiary"))
    form = RequestForm(people, beneficiary_id=http.args.get("beneficiary", type=int))
    if form.validate_on_submit():
        try:
            created = request_service.create_request(
                user, form.beneficiary_id.data, form.device_kind.data, form.purpose.data,
                form.urgency.data, form.notes.data)
        except DomainError as error:
            if error.status == 404:
                raise
            show_errors(form, error)
        else:
            flash(_("Demande n° %(id)s envoyée.", id=created.id), "success")
            return redirect(url_for("social.show_request", request_id=created.id), 303)
    return render_template("social/request_form.html", form=form)


@bp.get("/requests/<int:request_id>")
@login_required
def show_request(request_id: int):
    user = require_role("social_worker")
    req = request_service.get_request(user, request_id)
    return render_template("social/request.html", req=req,
                           sentence=allocation_service.explain(req),
                           allocation=allocation_service.active_allocation(req),
                           events=request_service.history(req),
                           labels=request_service.STATUS_LABELS, form=ContestForm())


@bp.post("/requests/<int:request_id>/contest")
@login_required
def contest(request_id: int):
    user = require_role("social_worker")
    form = ContestForm()
    if not form.validate_on_submit():
        flash(_("Expliquez pourquoi vous contestez ce refus."), "error")
    else:
        try:
            request_service.contest(user, request_id, form.note.data)
            flash(_("Contestation envoyée : un autre responsable va réexaminer la demande."),
                  "success")
        except DomainError as error:
            if error.status == 404:
                raise
            flash(translated(error), "error")
    return redirect(url_for("social.show_request", request_id=request_id), 303)


@bp.get("/requests/<int:request_id>/sheet")
@login_required
def sheet(request_id: int):
    """The printable handover sheet, in easy-to-read French."""
    user = require_role("social_worker", "technician", "manager")
    return render_template("social/sheet.html", **handover_service.sheet(user, request_id))
