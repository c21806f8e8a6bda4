"""Device pages: /d/{code} (what a label's QR code opens) and the device list."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..converters import MAX_ID
from ..domain.models import DeviceKind
from ..domain.stages import ROLES_FOR, SCANNABLE, Stage, allowed_next, guard_problems
from ..errors import DomainError, translated
from ..services import devices as device_service
from ..services import stages
from .forms import MoveForm
from .helpers import acting_user

bp = Blueprint("devices", __name__)


def _next_actions(user, device):
    """The table's next stages this user may scan to, each with what its guard still lacks."""
    facts = stages.gather_facts(device)
    actions = []
    for stage in allowed_next(Stage(device.stage)):
        if stage not in SCANNABLE and stage is not Stage.LOST:
            continue
        roles = ROLES_FOR.get(stage, frozenset())
        if user.role not in roles:
            continue
        missing = [p for p in guard_problems(stage, facts, note="x")]
        actions.append({"stage": stage, "missing": missing,
                        "needs_note": stage in (Stage.PARTS, Stage.RECYCLED, Stage.LOST)})
    return actions


@bp.get("/d/<string:code>")
@login_required
def show(code: str):
    user = acting_user()
    device = device_service.get_device(user, code)
    canonical = device.code
    if code != canonical:
        return redirect(url_for("devices.show", code=canonical))
    return render_template("devices/show.html", device=device,
                           events=device_service.history(device),
                           actions=_next_actions(user, device),
                           form=MoveForm(client_event_id=str(uuid.uuid4())))


@bp.post("/d/<string:code>/move")
@login_required
def move(code: str):
    user = acting_user()
    form = MoveForm()
    if not form.validate_on_submit():
        flash(_("Le formulaire est incomplet : réessayez."), "error")
        return redirect(url_for("devices.show", code=code))
    try:
        result = stages.advance(user, code, form.to.data,
                                client_event_id=form.client_event_id.data,
                                note=form.note.data or None)
    except DomainError as error:
        if error.status == 404:
            raise
        problems = error.extra.get("problems") or []
        flash(" ".join([translated(error)] + [_(p) for p in problems]), "error")
        return redirect(url_for("devices.show", code=code)), 303
    label = _(result.device.stage_enum.label)
    if result.created:
        flash(_("Appareil passé à l'étape : %(stage)s.", stage=label), "success")
    else:
        flash(_("Déjà enregistré : l'appareil est à l'étape %(stage)s.", stage=label), "info")
    return redirect(url_for("devices.show", code=result.device.code), 303)


@bp.get("/find")
@login_required
def find():
    """The home page's "open a device by its code" box."""
    raw = request.args.get("code", "")
    try:
        device = device_service.get_device(acting_user(), raw)
    except DomainError as error:
        flash(translated(error) if error.status == 422 else
              _("Aucun appareil avec ce code dans votre périmètre."), "error")
        return redirect(url_for("main.home"))
    return redirect(url_for("devices.show", code=device.code))


@bp.get("/devices")
@login_required
def index():
    user = acting_user()
    args = request.args
    try:
        filters = device_service.DeviceFilter(
            stage=args.get("stage") or None, kind=args.get("kind") or None,
            page=min(max(int(args.get("page", 1) or 1), 1), MAX_ID))
        items, total = device_service.list_devices(user, filters)
    except (ValueError, DomainError):
        flash(_("Filtres non valides : ils ont été retirés."), "error")
        filters = device_service.DeviceFilter()
        items, total = device_service.list_devices(user, filters)
    pages = max((total + filters.per_page - 1) // filters.per_page, 1)
    return render_template("devices/index.html", items=items, total=total, filters=filters,
                           pages=pages, kinds=list(DeviceKind), stages=list(Stage))
