"""Pages: the donor's pledges (new pledge, follow-up, inventory import, documents) and the
managers' pledge decisions under /donor/manage."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.exceptions import RequestEntityTooLarge

from ..domain import inventory
from ..domain import pledges as rules
from ..domain.models import DeviceKind, DocumentKind
from ..errors import DomainError, translated
from ..services import documents as document_service
from ..services import imports as import_service
from ..services import jobs as job_service
from ..services import organisations as org_service
from ..services import pledges as pledge_service
from .donor_forms import ConfirmImportForm, DecisionForm, PledgeForm, ScheduleForm, UploadForm
from .helpers import require_role

bp = Blueprint("donor", __name__, url_prefix="/donor")
PARIS = ZoneInfo("Europe/Paris")
_ALL = ("donor", "manager", "technician")


@bp.app_template_global()
def pledge_status_label(status: str) -> str:
    return _(rules.STATUS_LABELS[rules.Status(status)])


@bp.app_template_global()
def outcome_label(outcome: str) -> str:
    return _(rules.OUTCOME_LABELS[outcome])


@bp.app_template_global()
def kind_label(kind: str) -> str:
    return _(DeviceKind(kind).label)


@bp.get("/")
@login_required
def index():
    user = require_role("donor")
    if org_service.is_waiting(user):
        return render_template("donor/waiting.html")
    pledges = pledge_service.list_pledges(user)
    counts = pledge_service.device_counts([p.id for p in pledges])
    return render_template("donor/index.html", pledges=pledges, counts=counts,
                           yearly=document_service.yearly_documents(user),
                           this_year=dt.date.today().year)


@bp.post("/impact")
@login_required
def yearly_impact():
    user = require_role("donor")
    try:
        document_service.issue_yearly_impact(user, user.organisation_id,
                                             request.form.get("year", type=int) or 0)
    except DomainError as error:
        flash(translated(error), "error")
    else:
        flash(_("Le bilan annuel est en préparation."), "success")
    return redirect(url_for("donor.index"))


@bp.route("/pledges/new", methods=["GET", "POST"])
@login_required
def new_pledge():
    user = require_role("donor")
    if org_service.is_waiting(user):
        return render_template("donor/waiting.html")
    form = PledgeForm()
    if form.validate_on_submit():
        draft = pledge_service.PledgeDraft(
            items=form.items(), pickup_address=form.pickup_address.data,
            contact_name=form.contact_name.data, contact_phone=form.contact_phone.data or "",
            contact_email=form.contact_email.data, window_start=form.window_start.data,
            window_end=form.window_end.data,
            council_decision_ref=form.council_decision_ref.data or None,
            declared_value=float(form.declared_value.data) if form.declared_value.data
            is not None else None, notes=form.notes.data or None)
        try:
            pledge = pledge_service.create_pledge(user, draft,
                                                  submit=request.form.get("submit") == "1")
        except DomainError as error:
            _attach(form, error)
        else:
            flash(_("Votre promesse de don n° %(id)s est enregistrée.", id=pledge.id), "success")
            return redirect(url_for("donor.pledge", pledge_id=pledge.id))
    status = 422 if request.method == "POST" else 200
    return render_template("donor/new.html", form=form), status


def _attach(form, error: DomainError) -> None:
    """A service refusal shown on the form: per field when it names one, else at the top."""
    placed = False
    for name, messages in error.messages.items():
        target = "laptop" if name == "items" else name
        if target in form:
            form[target].errors = list(form[target].errors) + list(messages)
            placed = True
    if not placed:
        flash(translated(error), "error")


@bp.get("/pledges/<int:pledge_id>")
@login_required
def pledge(pledge_id: int):
    user = require_role(*_ALL)
    item = pledge_service.get_pledge(user, pledge_id)
    documents = document_service.list_documents(user, pledge_id)
    decision = DecisionForm()
    decision.operator_id.choices = [(o.id, o.name) for o in pledge_service.operators()]
    return render_template(
        "donor/pledge.html", pledge=item, devices=pledge_service.follow_up(user, pledge_id),
        history=pledge_service.history(item), documents=documents,
        superseded=document_service.superseded_ids(documents),
        next_statuses=rules.allowed_next(rules.Status(item.status)),
        upload=UploadForm(), decision=decision, schedule=ScheduleForm(),
        can_import=item.status in import_service.OPEN_STATUSES
        and user.role in ("donor", "manager", "admin"),
        document_kinds=[(k.value, document_service.TITLES[k]) for k in DocumentKind])


@bp.post("/pledges/<int:pledge_id>/<action>")
@login_required
def transition(pledge_id: int, action: str):
    user = require_role(*_ALL)
    if action not in rules.ACTIONS:
        abort(404)
    pickup_at = None
    if action == "schedule":
        form = ScheduleForm()
        if not form.validate_on_submit():
            flash(_("Indiquez la date et l'heure d'enlèvement."), "error")
            return redirect(url_for("donor.pledge", pledge_id=pledge_id))
        pickup_at = form.pickup_at.data.replace(tzinfo=PARIS).astimezone(dt.UTC)
    operator = request.form.get("operator_id", type=int)
    try:
        pledge_service.transition(user, pledge_id, action, reason=request.form.get("reason"),
                                  pickup_at=pickup_at, operator_id=operator)
    except DomainError as error:
        if error.status == 404:
            raise  # not theirs: a 404 like any other, not a message on someone's pledge page
        details = [m for ms in error.messages.values() for m in ms]
        flash(" ".join([translated(error)] + details), "error")
    else:
        flash(_("Promesse de don : %(status)s.", status=pledge_status_label(
            rules.ACTIONS[action].value)), "success")
    return redirect(url_for("donor.pledge", pledge_id=pledge_id))


@bp.post("/pledges/<int:pledge_id>/inventory")
@login_required
def upload_inventory(pledge_id: int):
    user = require_role("donor", "manager")
    try:
        form = UploadForm()
        valid = form.validate_on_submit()
    except RequestEntityTooLarge:
        flash(translated(import_service.too_large()), "error")
        return redirect(url_for("donor.pledge", pledge_id=pledge_id)), 303
    if not valid:
        flash(_("Choisissez un fichier d'inventaire."), "error")
        return redirect(url_for("donor.pledge", pledge_id=pledge_id))
    try:
        upload_id = import_service.save_upload(user, pledge_id, form.file.data.filename or "",
                                               form.file.data.read())
    except DomainError as error:
        if error.status == 404:
            raise
        flash(translated(error), "error")
        return redirect(url_for("donor.pledge", pledge_id=pledge_id))
    return redirect(url_for("donor.mapping", pledge_id=pledge_id, upload_id=upload_id))


@bp.route("/pledges/<int:pledge_id>/inventory/<upload_id>", methods=["GET", "POST"])
@login_required
def mapping(pledge_id: int, upload_id: str):
    """Column mapping and preview by line; nothing is written before "Importer"."""
    user = require_role("donor", "manager")
    form = ConfirmImportForm()
    chosen = None
    if request.method == "POST" and form.validate_on_submit():
        chosen = {name: request.form.get(f"map_{name}", "") for name in inventory.FIELDS}
        chosen = {k: int(v) for k, v in chosen.items() if v.isdigit()}
    try:
        preview = import_service.preview(user, pledge_id, upload_id, chosen,
                                         form.default_kind.data or None)
    except DomainError as error:
        if error.status == 404:
            raise
        flash(translated(error), "error")
        return redirect(url_for("donor.pledge", pledge_id=pledge_id))
    if request.method == "POST" and request.form.get("go") == "import":
        job = import_service.start_import(user, pledge_id, upload_id, preview.mapping,
                                          form.default_kind.data or None)
        return redirect(url_for("donor.job", pledge_id=pledge_id, job_id=job.id))
    return render_template("donor/mapping.html", pledge_id=pledge_id, preview=preview,
                           form=form, fields=inventory.FIELDS, labels=inventory.FIELD_LABELS)


@bp.get("/pledges/<int:pledge_id>/jobs/<job_id>")
@login_required
def job(pledge_id: int, job_id: str):
    user = require_role("donor", "manager")
    pledge_service.get_pledge(user, pledge_id)
    job = job_service.get_job(user, job_id)
    if job.kind != "inventory_import" or (job.params or {}).get("pledge_id") != pledge_id:
        abort(404)  # only this pledge's imports are shown here
    return render_template("donor/job.html", job=job, pledge_id=pledge_id,
                           refused=import_service.refused_lines(job.result))


@bp.post("/pledges/<int:pledge_id>/documents")
@login_required
def issue_document(pledge_id: int):
    user = require_role(*_ALL)
    try:
        document_service.issue(user, pledge_id, request.form.get("kind", ""))
    except DomainError as error:
        if error.status == 404:
            raise
        flash(translated(error), "error")
    else:
        flash(_("Le document est en préparation : il apparaîtra dans la liste dans un instant."),
              "success")
    return redirect(url_for("donor.pledge", pledge_id=pledge_id, _anchor="documents"))


@bp.get("/documents/<int:document_id>")
@login_required
def document(document_id: int):
    user = require_role(*_ALL)
    item, path = document_service.document_file(user, document_id)
    return send_file(path, mimetype="application/pdf", as_attachment=True,
                     download_name=f"{item.number}.pdf")


@bp.get("/manage/")
@login_required
def manage():
    user = require_role("manager")
    pledges = pledge_service.list_pledges(user)
    counts = pledge_service.device_counts([p.id for p in pledges])
    return render_template("donor/manage.html", pledges=pledges, counts=counts,
                           waiting=org_service.pending(user))


@bp.post("/manage/organisations/<int:org_id>/approve")
@login_required
def approve(org_id: int):
    user = require_role("manager")
    org = org_service.approve(user, org_id)
    flash(_("%(name)s est validée.", name=org.name), "success")
    return redirect(url_for("donor.manage"))
