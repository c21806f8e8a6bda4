"""Pages: the managers' dashboard (/manager/), its exports and their background jobs."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from ..converters import MAX_ID
from ..domain.models import DeviceKind, Organisation, OrgKind, Site
from ..domain.stages import Stage
from ..errors import Invalid
from ..extensions import db
from ..jobs import enqueue
from ..services import dashboard as dashboard_service
from ..services import exports as export_service
from ..services import jobs as job_service
from ..services import territories
from ..services.access import sees_everything
from .helpers import require_role

bp = Blueprint("manager", __name__, url_prefix="/manager")

_FIELDS = {"from": "date_from", "to": "date_to", "departement": "department", "region": "region",
           "operator": "operator_id", "site": "site_id", "kind": "kind"}


def filters_from_args(args) -> dashboard_service.Filters:
    """The dashboard filters from a query string; a clear Invalid for what cannot be read."""
    values, errors = {}, {}
    for name, attribute in _FIELDS.items():
        raw = (args.get(name) or "").strip()
        if not raw:
            continue
        try:
            if attribute.startswith("date_"):
                values[attribute] = dt.date.fromisoformat(raw)
            elif attribute.endswith("_id"):
                values[attribute] = int(raw)
                if not 0 <= values[attribute] <= MAX_ID:
                    raise ValueError(raw)
            else:
                values[attribute] = raw.upper() if attribute == "department" else raw
        except ValueError:
            errors[name] = [_("Valeur illisible : %(value)s.", value=raw)]
    if errors:
        raise Invalid(_("Corrigez les filtres."), code="invalid-filters", errors=errors)
    return dashboard_service.Filters(**values)


def _choices(user) -> dict:
    everything = sees_everything(user)
    sites = select(Site).order_by(Site.name)
    if not everything and user.organisation.kind == OrgKind.WORKSHOP_OPERATOR:
        sites = sites.where(Site.operator_id == user.organisation_id)
    operators = list(db.session.scalars(
        select(Organisation).where(Organisation.kind == OrgKind.WORKSHOP_OPERATOR)
        .order_by(Organisation.name))) if everything else []
    return {"sites": list(db.session.scalars(sites)), "operators": operators,
            "departments": sorted(territories.departments().items()),
            "regions": sorted(territories.regions().items()),
            "kinds": list(DeviceKind)}


@bp.get("/")
@login_required
def index():
    user = require_role("manager")
    data, errors = None, {}
    try:
        filters = filters_from_args(request.args)
        data = dashboard_service.dashboard(user, filters)
    except Invalid as error:
        errors = error.errors or {"filters": [error.detail]}
    return render_template("manager/index.html", data=data, errors=errors, args=request.args,
                           num=format_decimal, pct=format_percent, kind_label=_kind_label,
                           **(_views(data) if data else {}), **_choices(user)), \
        (422 if errors else 200)


def _kind_label(kind: str | None) -> str:
    try:
        return _(DeviceKind(kind).label)
    except ValueError:
        return kind or "—"


def _stage_label(stage: str) -> str:
    return _(Stage(stage).label)


def _views(data: dict) -> dict:
    """What the template shows, shaped into rows (labels translated here, numbers on screen)."""
    charts = [
        {"id": "funnel", "title": _("Entonnoir : entrées par étape sur la période"),
         "headers": (_("Étape"), _("Appareils")),
         "rows": [(_stage_label(s), n) for s, n in data["funnel"].items()]},
        {"id": "pipeline", "title": _("Appareils à chaque étape aujourd'hui"),
         "headers": (_("Étape"), _("Appareils")),
         "rows": [(_stage_label(s.value), data["pipeline"][s.value]) for s in Stage
                  if data["pipeline"].get(s.value)]},
        {"id": "departments", "title": _("Appareils comptés pour l'objectif, par département"),
         "headers": (_("Département"), _("Appareils")),
         "rows": [(f"{d['code'] or '—'} {d['name']}", d["goal"])
                  for d in data["by_department"]["departments"] if d["goal"]]},
    ]
    details = data.get("yield_details", {})

    def labelled(rows, label):
        return [dict(r, label=label(r["key"])) for r in rows]

    yield_tables = [
        (_("Rendement par type d'appareil"), labelled(data["yield_by_kind"], _kind_label),
         _("Type")),
        (_("Rendement par donateur"),
         labelled(details.get("by_donor", []), lambda k: k or _("Inconnu")), _("Donateur")),
        (_("Rendement par année d'achat"),
         labelled(details.get("by_age", []), lambda k: str(k) if k else _("Inconnue")),
         _("Année d'achat")),
    ]
    territory_tables = [(_("Par département"), data["by_department"]["departments"]),
                        (_("Par région"), data["by_department"]["regions"])]
    return {"charts": charts, "yield_tables": yield_tables, "territory_tables": territory_tables,
            "query": data["filters"].as_query()}


@bp.get("/exports/<string:kind>.<string:fmt>")
@login_required
def download(kind: str, fmt: str):
    """A file of the filtered figures, written now (for large ones, see the background export)."""
    user = require_role("manager")
    if kind not in export_service.KINDS or fmt not in export_service.FORMATS:
        abort(404)
    filters = filters_from_args(request.args)
    buffer, name, mimetype = export_service.build(user, kind, fmt, filters)
    return send_file(buffer, mimetype=mimetype, as_attachment=True, download_name=name)


@bp.post("/exports")
@login_required
def start_export():
    """Prepare an export in the background; the next page shows its progress."""
    user = require_role("manager")
    kind, fmt = request.form.get("export", ""), request.form.get("format", "csv")
    if kind not in export_service.KINDS or fmt not in export_service.FORMATS:
        abort(404)
    filters = filters_from_args(request.form)
    dashboard_service.scoped_filters(user, filters)  # refuse now rather than in the worker
    job = enqueue(db.session, export_service.TASK, kind=f"export-{kind}", user=user,
                  params={"kind": kind, "format": fmt, "filters": filters.as_query()})
    db.session.commit()
    return redirect(url_for("manager.export_job", job_id=job.id))


@bp.get("/exports/jobs/<string:job_id>")
@login_required
def export_job(job_id: str):
    user = require_role("manager")
    job = job_service.get_job(user, job_id)
    return render_template("manager/export_job.html", job=job)
