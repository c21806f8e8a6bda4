"""Pages: print labels (selection or pledge) with a progress bar, printer profiles, alignment
page, receiving a pledge and registering an unannounced device."""

from __future__ import annotations

import re

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..errors import DomainError, translated
from ..services import jobs as job_service
from ..services import labels as label_service
from ..services import receiving
from .helpers import require_role
from .label_forms import LabelOptionsForm, PrintForm, ProfileForm, ReceiveForm, RegisterForm

bp = Blueprint("labels", __name__, url_prefix="/labels")
ROLES = ("technician", "manager")


def _user():
    user = require_role(*ROLES)
    label_service.require_printer(user)
    return user


def _fill_options(form: LabelOptionsForm, user) -> None:
    form.layout.choices = [(lay.id, lay.name) for lay in label_service.layouts()]
    form.profile_id.choices = [("", _("Aucun décalage"))] + [
        (str(p.id), f"{p.name} ({p.layout_id})") for p in label_service.list_profiles(user)]


def _options(form: LabelOptionsForm) -> label_service.BatchOptions:
    return label_service.BatchOptions(
        layout_id=form.layout.data, fmt=form.format.data, start_at=form.start_at.data or 1,
        profile_id=int(form.profile_id.data) if form.profile_id.data else None)


def _show_error(form, error: DomainError) -> None:
    """A service refusal shown on the form: field errors where they belong, the rest on top."""
    flash(translated(error), "error")
    for name, messages in error.messages.items():
        field = getattr(form, {"layout_id": "layout"}.get(name, name), None)
        if field is not None and hasattr(field, "errors"):
            items = messages.values() if isinstance(messages, dict) else messages
            field.errors = list(field.errors or []) + [str(m) for m in list(items)[:5]]


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    """Print the labels of typed or scanned codes (one per line, or separated by spaces)."""
    user = _user()
    form = PrintForm()
    _fill_options(form, user)
    if form.validate_on_submit():
        codes = [c for c in re.split(r"[\s,;]+", form.codes.data) if c]
        try:
            job = label_service.request_batch(user, _options(form), codes=codes)
        except DomainError as error:
            _show_error(form, error)
        else:
            return redirect(url_for("labels.job", job_id=job.id), 303)
    return render_template("labels/print.html", form=form), 422 if form.errors else 200


@bp.get("/jobs/<string:job_id>")
@login_required
def job(job_id: str):
    """The batch's progress; without JavaScript, a link reloads it."""
    job = job_service.get_job(_user(), job_id)
    return render_template("labels/job.html", job=job)


@bp.route("/printers", methods=["GET", "POST"])
@login_required
def printers():
    user = _user()
    form = ProfileForm()
    form.layout_id.choices = [(lay.id, lay.name) for lay in label_service.layouts()]
    if form.validate_on_submit():
        try:
            label_service.save_profile(user, _profile_draft(form))
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(_("Imprimante enregistrée."), "success")
            return redirect(url_for("labels.printers"), 303)
    return render_template("labels/printers.html", form=form,
                           profiles=label_service.list_profiles(user),
                           layouts=label_service.layouts()), 422 if form.errors else 200


def _profile_draft(form: ProfileForm) -> label_service.ProfileDraft:
    return label_service.ProfileDraft(name=form.name.data, layout_id=form.layout_id.data,
                                      offset_x_mm=float(form.offset_x_mm.data),
                                      offset_y_mm=float(form.offset_y_mm.data))


@bp.route("/printers/<int:profile_id>", methods=["GET", "POST"])
@login_required
def printer(profile_id: int):
    user = _user()
    profile = label_service.get_profile(user, profile_id)
    form = ProfileForm(obj=profile)
    form.layout_id.choices = [(lay.id, lay.name) for lay in label_service.layouts()]
    if form.validate_on_submit():
        try:
            label_service.save_profile(user, _profile_draft(form), profile_id)
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(_("Imprimante enregistrée."), "success")
            return redirect(url_for("labels.printers"), 303)
    return render_template("labels/printer.html", form=form, profile=profile), \
        422 if form.errors else 200


@bp.post("/printers/<int:profile_id>/delete")
@login_required
def delete_printer(profile_id: int):
    label_service.delete_profile(_user(), profile_id)
    flash(_("Imprimante supprimée."), "success")
    return redirect(url_for("labels.printers"), 303)


@bp.get("/alignment.pdf")
@login_required
def alignment():
    """The alignment test page of a layout, shifted by a printer's offsets if one is chosen."""
    user = _user()
    profile_id = request.args.get("profile_id", type=int)
    pdf = label_service.alignment_pdf(user, request.args.get("layout") or None, profile_id)
    name = f"alignement-{request.args.get('layout') or 'profil'}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/preview/<string:code>.png")
@login_required
def preview(code: str):
    """A device's label as it will print (PNG), for the chosen layout."""
    png = label_service.preview_png(_user(), code, request.args.get("layout", "avery-l7160"))
    return Response(png, mimetype="image/png")


@bp.get("/receive")
@login_required
def receive_list():
    return render_template("labels/receive_list.html",
                           pledges=receiving.pledges_to_receive(_user()))


@bp.route("/receive/<int:pledge_id>", methods=["GET", "POST"])
@login_required
def receive(pledge_id: int):
    """Tick the devices that arrived; they become received, and their labels are printed."""
    user = _user()
    pledge, devices = receiving.placeholders(user, pledge_id)
    form = ReceiveForm()
    _fill_options(form, user)
    form.codes.choices = [(d.code, d.printed_code) for d in devices]
    if request.method == "GET":
        form.codes.data = [d.code for d in devices]
    if form.validate_on_submit():
        options = _options(form) if form.print_labels.data else None
        try:
            receipt = receiving.receive_pledge(user, pledge_id, codes=form.codes.data,
                                               labels=options)
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(_("%(n)d appareil(s) reçu(s).", n=len(receipt.devices)), "success")
            if receipt.job:
                return redirect(url_for("labels.job", job_id=receipt.job.id), 303)
            return redirect(url_for("labels.receive_list"), 303)
    return render_template("labels/receive.html", form=form, pledge=pledge, devices=devices), \
        422 if form.errors else 200


@bp.route("/register", methods=["GET", "POST"])
@login_required
def register():
    """A device that came without a pledge: record it, then print its label."""
    user = _user()
    form = RegisterForm()
    _fill_options(form, user)
    form.donor_id.choices = [("", _("Inconnu ou anonyme"))] + [
        (str(o.id), o.name) for o in receiving.donors()]
    if form.validate_on_submit():
        draft = receiving.UnannouncedDevice(
            kind=form.kind.data, make=form.make.data or "", model=form.model.data or "",
            serial=form.serial.data or None, asset_tag=form.asset_tag.data or None,
            donor_id=int(form.donor_id.data) if form.donor_id.data else None)
        options = _options(form) if form.print_labels.data else None
        try:
            receipt = receiving.register_device(user, draft, labels=options)
        except DomainError as error:
            _show_error(form, error)
        else:
            device = receipt.devices[0]
            flash(_("Appareil enregistré : %(code)s.", code=device.printed_code), "success")
            if receipt.job:
                return redirect(url_for("labels.job", job_id=receipt.job.id), 303)
            return redirect(url_for("devices.show", code=device.code), 303)
    return render_template("labels/register.html", form=form), 422 if form.errors else 200
