"""The managers' exports: devices, the pipeline per day, and open data (aggregated, with small
counts suppressed), as CSV or XLSX, written now or by a background job."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import defaultdict
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..domain.models import Device, Organisation, Site, User
from ..extensions import db
from . import counters, territories
from .dashboard import Filters, _device_where, _where, counter_rows_for, scoped_filters
from .export_files import XLSX_MIMETYPE, write_csv, write_xlsx

KINDS = ("devices", "pipeline", "opendata")
FORMATS = ("csv", "xlsx")
TASK = "collecte.export"
# Below this, a count in the open-data file is left empty so that nobody can be singled out.
SMALL_COUNT = 5
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "data" / "opendata-schema.json"

DEVICE_HEADERS = ("code", "type", "marque", "modele", "etape", "grade", "annee_achat", "site",
                  "departement", "operateur", "donateur", "etape_depuis")
PIPELINE_HEADERS = ("jour", "departement", "type", "etape", "entrees", "variation_stock")


def opendata_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def opendata_headers() -> tuple[str, ...]:
    return tuple(f["name"] for f in opendata_schema()["fields"])


def _period(f: Filters) -> list:
    clauses = []
    if f.date_from:
        clauses.append(Device.stage_changed_at >= dt.datetime.combine(f.date_from, dt.time(),
                                                                      dt.UTC))
    if f.date_to:
        clauses.append(Device.stage_changed_at < dt.datetime.combine(
            f.date_to + dt.timedelta(days=1), dt.time(), dt.UTC))
    return clauses


def device_rows(f: Filters):
    """Devices whose last move falls in the period, in the scope (streamed)."""
    operator, donor = aliased(Organisation), aliased(Organisation)
    query = (select(Device.code, Device.kind, Device.make, Device.model, Device.stage,
                    Device.grade, Device.purchase_year, Site.name, Site.department_code,
                    operator.name, donor.name, Device.stage_changed_at)
             .outerjoin(Site, Site.id == Device.site_id)
             .outerjoin(operator, operator.id == Device.operator_id)
             .outerjoin(donor, donor.id == Device.donor_id)
             .where(*_device_where(f), *_period(f)).order_by(Device.id)
             .execution_options(yield_per=5_000))
    count = db.session.scalar(select(func.count()).select_from(Device)
                              .outerjoin(Site, Site.id == Device.site_id)
                              .where(*_device_where(f), *_period(f)))
    return count, iter(db.session.execute(query))


def pipeline_rows(f: Filters):
    rows = counter_rows_for(f, columns=("department_code",))
    result = db.session.execute(
        select(rows.c.day, rows.c.department_code, rows.c.kind, rows.c.stage,
               func.sum(rows.c.entered), func.sum(rows.c.stock))
        .where(*_where(rows, f, period=True))
        .group_by(rows.c.day, rows.c.department_code, rows.c.kind, rows.c.stage)
        .order_by(rows.c.day, rows.c.department_code, rows.c.kind, rows.c.stage)).all()
    out = [(counters._day(d), dep or None, kind, stage, int(e or 0), int(s or 0))
           for d, dep, kind, stage, e, s in result if e or s]
    return len(out), iter(out)


def _small(n: int) -> int | None:
    return None if 0 < n < SMALL_COUNT else n


def opendata_rows(f: Filters):
    """Per month, département and kind: received, made ready, handed over, counted toward the
    goal. Counts from 1 to 4 are left empty (and the row marked `suppressed`)."""
    rows = counter_rows_for(f, columns=("department_code",))
    result = db.session.execute(
        select(rows.c.day, rows.c.department_code, rows.c.kind, rows.c.stage,
               func.sum(rows.c.entered), func.sum(rows.c.goal))
        .where(*_where(rows, f, period=True), rows.c.department_code != "",
               rows.c.stage.in_(("received", "ready", "allocated")))
        .group_by(rows.c.day, rows.c.department_code, rows.c.kind, rows.c.stage))
    months: dict = defaultdict(lambda: [0, 0, 0, 0])
    for day, dep, kind, stage, entered, goal in result:
        key = (counters._day(day).replace(day=1), dep, kind)
        index = {"received": 0, "ready": 1, "allocated": 2}[stage]
        months[key][index] += int(entered or 0)
        if stage == "allocated":
            months[key][3] += int(goal or 0)
    out = []
    for (month, dep, kind), values in sorted(months.items()):
        shown = [_small(v) for v in values]
        out.append((month, dep, territories.DEPARTMENT_REGION.get(dep, ""), kind, *shown,
                    any(s is None for s in shown)))
    return len(out), iter(out)


def rows_for(kind: str, f: Filters):
    """(headers, row count, rows) of one export."""
    if kind == "devices":
        return (DEVICE_HEADERS, *device_rows(f))
    if kind == "pipeline":
        return (PIPELINE_HEADERS, *pipeline_rows(f))
    return (opendata_headers(), *opendata_rows(f))


def file_name(kind: str, fmt: str, today: dt.date | None = None) -> str:
    return f"collecte-{kind}-{(today or dt.date.today()).isoformat()}.{fmt}"


def write(user: User, kind: str, fmt: str, filters: Filters, target, progress=None) -> int:
    """Write one export of what `user` may see to `target` (a path or a binary file)."""
    f = scoped_filters(user, filters)
    headers, total, rows = rows_for(kind, f)
    if progress:
        progress(0, total)
    tick = (lambda n: progress(n, total)) if progress else None
    if fmt == "xlsx":
        return write_xlsx(target, headers, rows, sheet_title=kind, progress=tick)
    return write_csv(target, headers, rows, excel=(kind != "opendata"), progress=tick)


def build(user: User, kind: str, fmt: str, filters: Filters) -> tuple[io.BytesIO, str, str]:
    """An export in memory, for a direct download: (file, name, mimetype)."""
    buffer = io.BytesIO()
    write(user, kind, fmt, filters, buffer)
    db.session.rollback()
    buffer.seek(0)
    mimetype = XLSX_MIMETYPE if fmt == "xlsx" else "text/csv; charset=utf-8"
    return buffer, file_name(kind, fmt), mimetype


def filters_from_params(params: dict) -> Filters:
    """The filters a job was given (as the query string of the page or the API)."""
    def date(name):
        return dt.date.fromisoformat(params[name]) if params.get(name) else None

    def number(name):
        return int(params[name]) if params.get(name) else None

    return Filters(date_from=date("from"), date_to=date("to"),
                   department=params.get("departement") or None,
                   region=params.get("region") or None, operator_id=number("operator"),
                   site_id=number("site"), kind=params.get("kind") or None)
