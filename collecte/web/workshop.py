"""Pages: the technician's home, the scan station (with and without JavaScript), the stock."""

from __future__ import annotations

import uuid
from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from ..domain.codes import CodeError
from ..domain.models import Site, utcnow
from ..domain.scanner import US_ON_AZERTY, looks_mistranslated, read_scan, repair
from ..domain.stages import Stage
from ..errors import DomainError, translated
from ..extensions import db
from ..services import stages
from ..services import stock as stock_service
from ..services import workshop as workshop_service
from ..services.access import site_scope
from .helpers import require_role
from .workshop_forms import SCAN_ACTIONS, TRANSFER, ScanForm, action_label

bp = Blueprint("workshop", __name__, url_prefix="/workshop")
ROLES = ("technician", "manager")
STATIC_JS = Path(__file__).resolve().parent.parent / "static" / "js"
SESSION_LOG_SIZE = 25


@bp.get("/")
@login_required
def index():
    require_role(*ROLES)
    return render_template("workshop/index.html",
                           has_labels="labels.index" in current_app.view_functions)


def _sites(user):
    return list(db.session.scalars(select(Site).where(site_scope(user)).order_by(Site.name)))


def _record_links(code: str, to: str) -> list[tuple[str, str]]:
    """Where to fill in what a refused stage still needs."""
    url = lambda endpoint: url_for(endpoint, code=code, next=url_for("workshop.scan_station"))  # noqa: E731
    if to == Stage.WIPED.value:
        return [(_("Diagnostic et supports"), url("workshop.diagnosis")),
                (_("Effacement"), url("workshop.erasure")),
                (_("Réinitialisation"), url("workshop.reset"))]
    if to == Stage.CHECKED.value:
        return [(_("Contrôle et grade"), url("workshop.check"))]
    if to == Stage.DIAGNOSED.value:
        return [(_("Diagnostic et supports"), url("workshop.diagnosis"))]
    return []


def _stage_list(values) -> str:
    return ", ".join(_(Stage(v).label) for v in values) or _("aucune")


def scan_outcome(user, action: str, raw: str, *, note: str | None = None,
                 site_id: int | None = None, client_event_id: str | None = None) -> dict:
    """What the station shows after one scan (no JavaScript): kind, message, links."""
    outcome = {"at": format_datetime(utcnow(), "HH:mm:ss"), "code": raw.strip()[:40],
               "action": action_label(action), "ok": False, "links": []}
    try:
        reading = read_scan(raw, US_ON_AZERTY if looks_mistranslated(raw) else None)
    except CodeError as error:
        kind = "mistyped" if error.kind == "mistyped" else "malformed"
        return outcome | {"kind": kind, "message": _("Code mal saisi : %(detail)s",
                                                     detail=str(error))}
    printed = f"{reading.canonical[:4]}-{reading.canonical[4:8]}-{reading.canonical[8:]}"
    outcome["code"] = printed
    try:
        if action == TRANSFER:
            if not site_id:
                return outcome | {"kind": "invalid",
                                  "message": _("Choisissez le site de destination.")}
            device, created = workshop_service.transfer(user, reading.canonical, site_id,
                                                        client_event_id=client_event_id)
            site = device.site.name if device.site else ""
            message = (_("%(code)s : transféré sur le site %(site)s.", code=printed, site=site)
                       if created else _("%(code)s : déjà enregistré.", code=printed))
            return outcome | {"ok": True, "kind": "moved" if created else "already",
                              "message": message}
        result = stages.advance(user, reading.canonical, action, client_event_id=client_event_id,
                                note=note)
    except DomainError as error:
        return outcome | _refusal(error, printed, reading.canonical, action)
    label = _(result.device.stage_enum.label)
    if result.created:
        message = _("%(code)s : passé à l'étape %(stage)s.", code=printed, stage=label)
    else:
        message = _("%(code)s : déjà enregistré (étape %(stage)s).", code=printed, stage=label)
    return outcome | {"ok": True, "kind": "moved" if result.created else "already",
                      "message": message}


def _refusal(error: DomainError, printed: str, canonical: str, action: str) -> dict:
    if error.status == 404:
        return {"kind": "unknown", "message": _("%(code)s : aucun appareil avec ce code dans "
                                                "votre atelier.", code=printed)}
    current = error.extra.get("current_stage")
    allowed = error.extra.get("allowed_next") or []
    if error.code == "already-in-stage":
        return {"kind": "already", "ok": True, "message": _(
            "%(code)s : déjà à l'étape %(stage)s.", code=printed,
            stage=_(Stage(current).label) if current else "")}
    if error.code == "guard-failed":
        problems = " ".join(_(p) for p in error.extra.get("problems") or [])
        return {"kind": "guard", "message": _("%(code)s : refusé, il manque ce qu'exige cette "
                                              "étape. %(problems)s", code=printed,
                                              problems=problems),
                "links": _record_links(canonical, action)}
    if current:
        return {"kind": "not-allowed", "message": _(
            "%(code)s : refusé, l'appareil est à l'étape %(stage)s ; étapes possibles : "
            "%(allowed)s.", code=printed, stage=_(Stage(current).label),
            allowed=_stage_list([a for a in allowed if a != "lost"]))}
    return {"kind": "invalid", "message": f"{printed} : {translated(error)}"}


@bp.route("/scan", methods=["GET", "POST"])
@login_required
def scan_station():
    user = require_role(*ROLES)
    form = ScanForm()
    form.action.choices = [(s.value, action_label(s.value)) for s in SCAN_ACTIONS] + [
        (TRANSFER, action_label(TRANSFER))]
    sites = _sites(user)
    form.site_id.choices = [(0, _("— choisir —"))] + [(s.id, s.name) for s in sites]
    outcome = None
    if request.method == "GET" and session.get("scan_action") in dict(form.action.choices):
        form.action.data = session["scan_action"]  # the action is chosen once per session
    if request.method == "POST" and form.validate_on_submit():
        session["scan_action"] = form.action.data
        outcome = scan_outcome(user, form.action.data, form.code.data, note=form.note.data,
                               site_id=form.site_id.data or None,
                               client_event_id=form.client_event_id.data or None)
        log = session.get("scan_log", [])
        log.insert(0, outcome)
        session["scan_log"] = log[:SESSION_LOG_SIZE]
        form.code.data = ""
    elif request.method == "POST":
        outcome = {"ok": False, "kind": "invalid", "links": [],
                   "message": _("Le formulaire est incomplet : choisissez une action et scannez "
                                "un code.")}
    form.client_event_id.data = str(uuid.uuid4())
    messages = {"stages": {s.value: _(s.label) for s in Stage},
                "actions": dict(form.action.choices), "text": _station_texts()}
    return render_template("workshop/scan.html", form=form, outcome=outcome,
                           log=session.get("scan_log", []), messages=messages)


def _station_texts() -> dict:
    """The scan station script's sentences, translated here (placeholders: %(name)s)."""
    return {
        "done": _("Fait :"), "refused": _("Refusé :"), "queued_mark": _("En attente :"),
        "moved": _("%(code)s : passé à l'étape %(stage)s."),
        "transferred": _("%(code)s : transféré sur le site %(site)s."),
        "already_recorded": _("%(code)s : déjà enregistré (étape %(stage)s)."),
        "already": _("%(code)s : déjà à l'étape %(stage)s."),
        "unknown": _("%(code)s : aucun appareil avec ce code dans votre atelier."),
        "not_allowed": _("%(code)s : refusé, l'appareil est à l'étape %(stage)s ; étapes "
                         "possibles : %(allowed)s."),
        "none": _("aucune"),
        "guard": _("%(code)s : refusé, il manque ce qu'exige cette étape. %(problems)s"),
        "mistyped": _("Code mal saisi : %(detail)s"),
        "offline": _("%(code)s : hors ligne, scan gardé et envoyé au retour du réseau."),
        "queued": _("En attente de synchronisation"),
        "sending": _("Envoi…"),
        "synced_summary": _("Synchronisé : %(n)s scan(s) en attente envoyé(s), dont "
                            "%(refused)s refusé(s)."),
        "waiting": _("Scans en attente de synchronisation : %(n)s."),
        "nothing_waiting": _("Aucun scan en attente."),
        "choose_site": _("Choisissez le site de destination."),
        "reauth": _("Session expirée : reconnectez-vous (les scans en attente restent gardés "
                    "dans ce navigateur et seront envoyés ensuite)."),
        "camera_start": _("Scanner avec la caméra"), "camera_stop": _("Arrêter la caméra"),
        "camera_error": _("La caméra ne peut pas démarrer : %(detail)s"),
        "records": {"diagnosis": _("Diagnostic et supports"), "erasure": _("Effacement"),
                    "reset": _("Réinitialisation"), "check": _("Contrôle et grade")},
    }


@bp.get("/scanner-test")
@login_required
def scanner_test():
    require_role(*ROLES)
    text = request.args.get("text", "")[:300]
    analysis = None
    if text:
        analysis = {"text": text, "mistranslated": looks_mistranslated(text),
                    "repaired": repair(text)}
        try:
            reading = read_scan(text)
            analysis["code"] = f"{reading.canonical[:4]}-{reading.canonical[4:8]}-{reading.canonical[8:]}"
            analysis["was_repaired"] = reading.repaired
        except CodeError as error:
            analysis["error"] = str(error)
    return render_template("workshop/scanner_test.html", analysis=analysis, text=text)


@bp.get("/sw.js")
def service_worker():
    """The station's service worker, served under /workshop/ so that its scope covers it."""
    response = send_from_directory(STATIC_JS, "scan-sw.js", mimetype="text/javascript",
                                   max_age=0)
    response.headers["Service-Worker-Allowed"] = "/workshop/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/stock")
@login_required
def stock():
    user = require_role(*ROLES)
    limits = stock_service.waiting_days(current_app.config)
    site_id = request.args.get("site", type=int)
    sites = stock_service.visible_sites(user)
    entries = stock_service.stock(user, limits, site_id=site_id)
    from ..domain.models import DeviceKind

    return render_template("workshop/stock.html", entries=entries, sites=sites, site_id=site_id,
                           limits=limits, stock_stages=stock_service.STOCK_STAGES,
                           kinds=list(DeviceKind))


from . import workshop_records  # noqa: E402,F401  (registers the record pages on bp)
