"""Pages: the workshop records of one device (diagnosis, erasure, reset, functional check)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..domain.stages import Stage
from ..errors import Invalid, translated
from ..services import stages
from ..services import workshop as service
from .workshop import ROLES, bp
from .workshop_forms import CheckForm, DiagnosisForm, ResetForm, erasure_form_class


def _next_url(code: str) -> str:
    target = request.values.get("next", "")
    # Only our own workshop pages: never an open redirect.
    if target.startswith("/workshop/") and "//" not in target and "\\" not in target:
        return target
    return url_for("workshop.device", code=code)


def _attach_errors(form, error: Invalid) -> None:
    """Put a service's field errors on the form fields (the rest goes to the summary)."""
    for name, messages in error.messages.items():
        field = getattr(form, name.replace(".", "-"), None) or getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors or []) + list(messages)
        else:
            form.form_errors.extend(messages)
    if not error.errors:
        form.form_errors.append(translated(error))


def _page(template, device, form, **context):
    return render_template(f"workshop/{template}", device=device, form=form,
                           next_url=_next_url(device.code), **context)


@bp.get("/devices/<string:code>")
@login_required
def device(code: str):
    """The records overview of one device, with what each next stage still needs."""
    user = require_workshop()
    device = service.visible_device(user, code)
    facts = stages.gather_facts(device)
    from ..domain.stages import allowed_next, guard_problems

    needs = [(s, guard_problems(s, facts, note="x")) for s in allowed_next(Stage(device.stage))
             if s in (Stage.WIPED, Stage.CHECKED)]
    return render_template("workshop/device.html", device=device, needs=needs,
                           media=service.list_media(device),
                           diagnoses=service.list_diagnoses(device),
                           erasures=service.list_erasures(device),
                           resets=service.list_resets(device), checks=service.list_checks(device),
                           defects=service.DEFECTS, items=service.CHECK_ITEMS,
                           levels=service.LEVELS, medium_types=service.MEDIUM_TYPES)


def require_workshop():
    from .helpers import require_role

    return require_role(*ROLES)


@bp.route("/devices/<string:code>/diagnosis", methods=["GET", "POST"])
@login_required
def diagnosis(code: str):
    user = require_workshop()
    device = service.workshop_device(user, code)
    form = DiagnosisForm()
    if request.method == "GET":
        form.cpu.data, form.ram_gb.data = device.cpu, device.ram_gb
    if form.validate_on_submit():
        media = [service.MediumIn(medium_type=m.medium_type.data, serial=m.serial.data or None,
                                  capacity_gb=m.capacity_gb.data)
                 for m in form.media if m.medium_type.data]
        try:
            service.record_diagnosis(user, code, cpu=form.cpu.data, ram_gb=form.ram_gb.data,
                                     media=media, defects=form.defects.data,
                                     note=form.note.data)
        except Invalid as error:
            _attach_errors(form, error)
        else:
            flash(_("Diagnostic enregistré."), "success")
            return redirect(_next_url(device.code), 303)
    return _page("diagnosis.html", device, form, media=service.list_media(device),
                 medium_types=service.MEDIUM_TYPES)


@bp.route("/devices/<string:code>/erasure", methods=["GET", "POST"])
@login_required
def erasure(code: str):
    user = require_workshop()
    device = service.workshop_device(user, code)
    media = service.list_media(device)
    erased = service.erased_media_ids(device)
    form = erasure_form_class(media)()
    if form.validate_on_submit():
        # Every medium with a level chosen, and every one not erased yet (to name it if empty).
        entries = [service.ErasureIn(m.id, form[f"level_{m.id}"].data or "",
                                     form[f"verification_{m.id}"].data or "")
                   for m in media if form[f"level_{m.id}"].data or m.id not in erased]
        batch = service.ErasureBatch(technique=form.technique.data, tool=form.tool.data,
                                     tool_version=form.tool_version.data, entries=entries)
        try:
            service.record_erasures(user, code, batch)
        except Invalid as error:
            for name, messages in error.messages.items():
                key = f"level_{name[7:]}" if name.startswith("medium_") else name
                field = form._fields.get(key)
                if field is not None:
                    field.errors = list(field.errors or []) + list(messages)
            form.form_errors.append(translated(error))
        else:
            flash(_("Effacement enregistré."), "success")
            return redirect(_next_url(device.code), 303)
    return _page("erasure.html", device, form, media=media, erased=erased,
                 medium_types=service.MEDIUM_TYPES)


@bp.route("/devices/<string:code>/reset", methods=["GET", "POST"])
@login_required
def reset(code: str):
    user = require_workshop()
    device = service.workshop_device(user, code)
    form = ResetForm()
    if form.validate_on_submit():
        try:
            service.record_reset(user, code, factory_reset=form.factory_reset.data,
                                 activation_lock_released=form.activation_lock_released.data)
        except Invalid as error:
            _attach_errors(form, error)
        else:
            flash(_("Réinitialisation enregistrée."), "success")
            return redirect(_next_url(device.code), 303)
    return _page("reset.html", device, form)


@bp.route("/devices/<string:code>/check", methods=["GET", "POST"])
@login_required
def check(code: str):
    user = require_workshop()
    device = service.workshop_device(user, code)
    form = CheckForm()
    if form.validate_on_submit():
        checklist = {item: item in (form.items.data or []) for item in service.CHECK_ITEMS}
        try:
            record = service.record_check(user, code, checklist=checklist, grade=form.grade.data,
                                          note=form.note.data)
        except Invalid as error:
            _attach_errors(form, error)
        else:
            if record.passed:
                flash(_("Contrôle enregistré : grade %(grade)s.", grade=record.grade), "success")
            else:
                flash(_("Contrôle enregistré, mais des points ont échoué : l'appareil ne pourra "
                        "pas passer à « Contrôlé » avant un nouveau contrôle réussi."), "error")
            return redirect(_next_url(device.code), 303)
    return _page("check.html", device, form)
