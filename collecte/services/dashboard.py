"""The managers' dashboard: goal, funnel, stock and territories from the counters; lead times
and yield from the detail roll-ups; waiting devices from an index, in the manager's scope."""

from __future__ import annotations

import datetime as dt
import math
import os
from collections import defaultdict
from dataclasses import dataclass, replace

from flask import current_app
from sqlalchemy import and_, case, func, or_, select, union_all

from ..domain import goal as goal_maths
from ..domain.models import (
    Department,
    Device,
    DeviceKind,
    LeadTimeNationalDay,
    LeadTimeSiteDay,
    LeadTimeTerritoryDay,
    Organisation,
    OrgKind,
    Region,
    Role,
    Site,
    StageEvent,
    User,
    YieldNationalDonor,
    YieldNationalYear,
    YieldSite,
    YieldTerritory,
    utcnow,
)
from ..domain.stages import N_
from ..errors import Invalid, Message, NotFound
from ..extensions import db
from . import counters, rollups, territories
from .access import sees_everything

FUNNEL = ("pledged", "received", "ready", "allocated")
REUSABLE = ("ready", "reserved", "allocated", "returned")
NOT_REUSABLE = ("parts", "recycled")
# How long a device may stay at a stage before it is shown as waiting too long (days).
WAITING_LIMITS = {"received": 14, "diagnosed": 14, "wiped": 14, "refurbished": 14,
                  "checked": 7, "ready": 60, "reserved": 14}
DEFAULT_LEAD_TIME_DAYS = 90


@dataclass(frozen=True)
class Filters:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    department: str | None = None
    region: str | None = None
    operator_id: int | None = None
    site_id: int | None = None
    kind: str | None = None
    # Set by the scope, not by the caller: the départements a regional manager may see.
    allowed_departments: tuple[str, ...] | None = None

    @property
    def departments(self) -> tuple[str, ...] | None:
        """Départements the figures are limited to (None = all)."""
        chosen = None
        if self.department:
            chosen = (self.department,)
        elif self.region:
            chosen = territories.departments_of_region(self.region)
        if self.allowed_departments is not None:
            chosen = tuple(d for d in (chosen or self.allowed_departments)
                           if d in self.allowed_departments)
        return chosen

    def as_query(self) -> dict:
        """The filters as query-string parameters (for links to exports and the API)."""
        pairs = {"from": self.date_from, "to": self.date_to, "departement": self.department,
                 "region": self.region, "operator": self.operator_id, "site": self.site_id,
                 "kind": self.kind}
        return {k: str(v) for k, v in pairs.items() if v not in (None, "")}


def goal_settings() -> goal_maths.Goal:
    config = current_app.config
    target = config.get("GOAL_TARGET") or os.environ.get("COLLECTE_GOAL_TARGET") or 2_000_000
    deadline = config.get("GOAL_DEADLINE") or os.environ.get("COLLECTE_GOAL_DEADLINE") \
        or "2027-12-31"
    if isinstance(deadline, str):
        deadline = dt.date.fromisoformat(deadline)
    return goal_maths.Goal(target=int(target), deadline=deadline)


def scoped_filters(user: User, filters: Filters) -> Filters:
    """Check the filters and narrow them to what `user` may see (404 for others' sites)."""
    if user.role not in (Role.MANAGER, Role.ADMIN):
        raise NotFound("Page inconnue.")
    errors: dict[str, list[str]] = {}
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        errors["from"] = [N_("La date de début doit précéder la date de fin.")]
    if filters.department and not territories.is_department(filters.department):
        errors["departement"] = [Message("Département inconnu : %(code)s.",
                                         code=filters.department)]
    if filters.region and not territories.departments_of_region(filters.region):
        errors["region"] = [Message("Région inconnue : %(code)s.", code=filters.region)]
    if filters.kind and filters.kind not in {k.value for k in DeviceKind}:
        errors["kind"] = [Message("Type d'appareil inconnu : %(kind)s.", kind=filters.kind)]
    if errors:
        raise Invalid("Corrigez les filtres : %(problems)s",
                      params={"problems": [m for v in errors.values() for m in v]},
                      code="invalid-filters", errors=errors)
    if sees_everything(user):
        scoped = filters
    else:
        org = user.organisation
        if org.kind == OrgKind.WORKSHOP_OPERATOR:
            if filters.operator_id not in (None, org.id):
                raise NotFound("Opérateur inconnu.", code="unknown-operator")
            scoped = replace(filters, operator_id=org.id)
        elif org.kind == OrgKind.COORDINATOR and org.region_code:
            scoped = replace(filters, allowed_departments=territories.departments_of_region(
                org.region_code))
        else:
            raise NotFound("Page inconnue.")
    if scoped.site_id is not None:
        site = db.session.get(Site, scoped.site_id)
        if site is None or (scoped.operator_id and site.operator_id != scoped.operator_id) or (
                scoped.allowed_departments is not None
                and site.department_code not in scoped.allowed_departments):
            raise NotFound("Site inconnu.", code="unknown-site")
    if scoped.operator_id is not None and db.session.get(Organisation, scoped.operator_id) is None:
        raise NotFound("Opérateur inconnu.", code="unknown-operator")
    return scoped


def _where(rows, f: Filters, *, period: bool) -> list:
    clauses = []
    departments = f.departments
    if departments is not None:
        clauses.append(rows.c.department_code.in_(departments))
    if f.operator_id:
        clauses.append(rows.c.operator_id == f.operator_id)
    if f.site_id:
        clauses.append(rows.c.site_id == f.site_id)
    if f.kind:
        clauses.append(rows.c.kind == f.kind)
    if period and f.date_from:
        clauses.append(rows.c.day >= f.date_from)
    if f.date_to:
        clauses.append(rows.c.day <= f.date_to)
    return clauses


SITE_COLUMNS = ("site_id", "operator_id", "grade")


def counter_rows_for(f: Filters, *, by_day: bool = True, columns: tuple[str, ...] = ()):
    """The counter rows a read needs: per site only when it filters or groups by site,
    operator or grade, else the roll-up per département, kind and stage (about 300 times
    fewer rows), or per kind and stage alone for the whole country's days; per day only for
    periods and run rates, else the all-time totals."""
    by_site = bool(f.operator_id or f.site_id or set(columns) & set(SITE_COLUMNS))
    by_department = f.departments is not None or "department_code" in columns
    return counters.counter_rows(by_day=by_day, by_site=by_site, by_department=by_department)


def _grouped(f: Filters, columns: tuple[str, ...], values: tuple[str, ...], *, period: bool,
             extra=()) -> list:
    # Days are only needed for a period; "now" and "to date" read the all-time totals.
    rows = counter_rows_for(f, by_day=bool(f.date_to or (period and f.date_from)), columns=columns)
    query = (select(*(rows.c[c] for c in columns),
                    *(func.coalesce(func.sum(rows.c[v]), 0) for v in values))
             .where(*_where(rows, f, period=period), *extra(rows) if extra else ())
             .group_by(*(rows.c[c] for c in columns)))
    return _core(query)


def _core(query) -> list:
    return db.session.connection().execute(query).all()  # Core rows: no ORM loading cost


def goal_status(f: Filters, today: dt.date | None = None,
                count: int | None = None) -> goal_maths.GoalStatus:
    """The goal figures; `count` (to date) when the caller already summed it."""
    today = f.date_to or today or utcnow().date()
    if count is None:
        total = _grouped(replace(f, date_from=None), ("stage",), ("goal",), period=False,
                         extra=lambda r: [r.c.stage == "allocated"])
        count = int(total[0][1]) if total else 0
    rows = counter_rows_for(f)
    since_30, since_90 = today - dt.timedelta(days=29), today - dt.timedelta(days=89)
    last_30, last_90 = _core(select(
        func.coalesce(func.sum(case((rows.c.day >= since_30, rows.c.goal), else_=0)), 0),
        func.coalesce(func.sum(rows.c.goal), 0))
        .where(rows.c.stage == "allocated", rows.c.day >= since_90,
               *_where(rows, replace(f, date_from=None, date_to=today), period=False)))[0]
    return goal_maths.status(goal_settings(), count, int(last_30), int(last_90), today)


def summary(f: Filters) -> dict:
    """Every figure the counters give, without touching the devices or events tables: a few
    grouped reads of the totals, each returning few rows (aggregated by the database)."""
    funnel = {stage: 0 for stage in FUNNEL}
    outcomes: dict = defaultdict(lambda: {"reusable": 0, "not_reusable": 0})
    by_department: dict = defaultdict(lambda: {"allocated": 0, "goal": 0, "ready": 0})
    pipeline: dict = defaultdict(int)
    goal_to_date = 0
    columns, values = ("kind", "stage"), ("entered", "goal", "stock")
    flows = _grouped(f, columns, values, period=True)
    # Without a period start, "flows in the period" and "stock now" read the same rows.
    stocks = flows if f.date_from is None else _grouped(f, columns, values, period=False)
    for kind, stage, entered, _goal, _stock in flows:
        if stage in funnel:
            funnel[stage] += int(entered)
        if stage == "ready":
            outcomes[kind]["reusable"] += int(entered)
        elif stage in NOT_REUSABLE:
            outcomes[kind]["not_reusable"] += int(entered)
    for _kind, stage, _entered, goal_n, stock_n in stocks:
        pipeline[stage] += int(stock_n)
        if stage == "allocated":
            goal_to_date += int(goal_n)
    for dep, entered, goal_n in _grouped(f, ("department_code",), ("entered", "goal"),
                                         period=True,
                                         extra=lambda r: [r.c.stage == "allocated"]):
        by_department[dep or ""]["allocated"] += int(entered)
        by_department[dep or ""]["goal"] += int(goal_n)
    pipeline = {k: v for k, v in pipeline.items() if v}
    ready = _grouped(f, ("site_id", "department_code", "kind", "grade"), ("stock",),
                     period=False, extra=lambda r: [r.c.stage == "ready"])
    for dep, n in _sum_by_department(ready):
        by_department[dep]["ready"] += n
    return {"funnel": funnel, "pipeline": pipeline, "stock": _named_sites(ready),
            "yield_by_kind": [_yield(kind, v) for kind, v in sorted(outcomes.items())],
            "by_department": _territories(by_department), "goal_to_date": goal_to_date}


def _sum_by_department(ready: list) -> list[tuple[str, int]]:
    totals: dict = {}
    for _site, dep, _kind, _grade, n in ready:
        totals[dep or ""] = totals.get(dep or "", 0) + int(n)
    return list(totals.items())


def _yield(key, v) -> dict:
    done = v["reusable"] + v["not_reusable"]
    return {"key": key, "reusable": v["reusable"], "not_reusable": v["not_reusable"],
            "share": v["reusable"] / done if done else None}


def _named_sites(ready: list) -> list[dict]:
    """Rows (site_id, département, kind, grade, count) as the stock table, ordered by site
    name, kind and grade. (A national view has ~4,500 of them: built as tuples, sorted once.)"""
    ids = {site for site, _dep, _kind, _grade, n in ready if site and n}
    # A long IN list costs more to build and bind than reading every site's name (hundreds).
    query = select(Site.id, Site.name)
    names = dict(_core(query if len(ids) > 50 else query.where(Site.id.in_(ids)))) \
        if ids else {}
    rows = sorted((names.get(site, "—"), kind, grade or "", site, int(n))
                  for site, _dep, kind, grade, n in ready if n)
    return [{"site_id": site, "kind": kind, "grade": grade or None, "count": n, "site": name}
            for name, kind, grade, site, n in rows]


def _territories(by_department: dict) -> dict:
    # The loaded INSEE tables, else the same official files shipped with the code.
    names = {code: name for code, (name, _) in territories.departments().items()}
    names.update(_core(select(Department.code, Department.name)))
    region_names = dict(territories.regions())
    region_names.update(_core(select(Region.code, Region.name)))
    departments, regions = [], defaultdict(lambda: {"allocated": 0, "goal": 0, "ready": 0})
    for code, values in sorted(by_department.items()):
        if not any(values.values()):
            continue
        departments.append({"code": code or None, "name": names.get(code, code or "—"),
                            **values})
        region = territories.DEPARTMENT_REGION.get(code)
        if region:
            for k, v in values.items():
                regions[region][k] += v
    return {"departments": departments,
            "regions": [{"code": code, "name": region_names.get(code, code), **values}
                        for code, values in sorted(regions.items())]}


def _device_where(f: Filters) -> list:
    """Filters on a device's current place (the sites table joined on devices.site_id)."""
    clauses = []
    if f.departments is not None:
        clauses.append(Site.department_code.in_(f.departments))
    if f.operator_id:
        clauses.append(func.coalesce(Site.operator_id, Device.operator_id) == f.operator_id)
    if f.site_id:
        clauses.append(Device.site_id == f.site_id)
    if f.kind:
        clauses.append(Device.kind == f.kind)
    return clauses


def _rollup_where(table, f: Filters) -> list:
    clauses = []
    if f.departments is not None and "department_code" in table.c:
        clauses.append(table.c.department_code.in_(f.departments))
    if f.operator_id:
        clauses.append(table.c.operator_id == f.operator_id)
    if f.site_id:
        clauses.append(table.c.site_id == f.site_id)
    if f.kind:
        clauses.append(table.c.kind == f.kind)
    return clauses


def _smallest(f: Filters, per_site, per_department, national):
    """The smallest roll-up that answers: per site only for operator or site filters."""
    if f.operator_id or f.site_id:
        return per_site.__table__
    return (per_department if f.departments is not None else national).__table__


def yield_details(f: Filters) -> dict:
    """Yield by donor and by age (purchase year): the devices now reusable or not, from the
    roll-ups the fold keeps (services.rollups)."""
    if f.operator_id or f.site_id or f.departments is not None:
        donors = years = _smallest(f, YieldSite, YieldTerritory, None)
    else:
        donors, years = YieldNationalDonor.__table__, YieldNationalYear.__table__
    outcome_sums = (func.coalesce(func.sum(case((donors.c.outcome == "reusable",
                                                 donors.c.devices), else_=0)), 0),
                    func.coalesce(func.sum(case((donors.c.outcome == "not_reusable",
                                                 donors.c.devices), else_=0)), 0))
    by_donor = _core(select(donors.c.donor_id, *outcome_sums)
                     .where(*_rollup_where(donors, f)).group_by(donors.c.donor_id))
    year_sums = (func.coalesce(func.sum(case((years.c.outcome == "reusable",
                                              years.c.devices), else_=0)), 0),
                 func.coalesce(func.sum(case((years.c.outcome == "not_reusable",
                                              years.c.devices), else_=0)), 0))
    by_year = _core(select(years.c.purchase_year, *year_sums)
                    .where(*_rollup_where(years, f)).group_by(years.c.purchase_year))
    ids = [d for d, r, n in by_donor if d and (r or n)]
    names = dict(_core(select(Organisation.id, Organisation.name)
                       .where(Organisation.id.in_(ids)))) if ids else {}
    donor_totals: dict = defaultdict(lambda: [0, 0])
    for donor, r, n in by_donor:
        key = names.get(donor) if donor else None
        donor_totals[key][0] += int(r)
        donor_totals[key][1] += int(n)
    year_totals = {(year or None): (int(r), int(n)) for year, r, n in by_year}
    return {"by_donor": _yield_rows(donor_totals.items()),
            "by_age": _yield_rows(year_totals.items())}


def _yield_rows(items) -> list[dict]:
    return [_yield(key, {"reusable": r, "not_reusable": n})
            for key, (r, n) in sorted(items, key=lambda x: (x[0] is None, x[0] or 0))
            if r or n]


def yield_details_scan(f: Filters) -> dict:
    """The same figures by scanning the devices table (the reference the tests compare with,
    and the benchmark's baseline)."""
    reusable = func.sum(case((Device.stage.in_(REUSABLE), 1), else_=0))
    lost = func.sum(case((Device.stage.in_(NOT_REUSABLE), 1), else_=0))
    base = (select(reusable, lost).outerjoin(Site, Site.id == Device.site_id)
            .where(Device.stage.in_(REUSABLE + NOT_REUSABLE), *_device_where(f)))
    by_donor = db.session.execute(base.add_columns(Organisation.name)
                                  .outerjoin(Organisation, Organisation.id == Device.donor_id)
                                  .group_by(Organisation.name)).all()
    by_year = db.session.execute(base.add_columns(Device.purchase_year)
                                 .group_by(Device.purchase_year)).all()

    def rows(result):
        return _yield_rows([(key, (int(r or 0), int(n or 0))) for r, n, key in result])

    return {"by_donor": rows(by_donor), "by_age": rows(by_year)}


def _period(f: Filters) -> tuple[dt.date, dt.date]:
    end = f.date_to or utcnow().date()
    return f.date_from or end - dt.timedelta(days=DEFAULT_LEAD_TIME_DAYS), end


def lead_times(f: Filters) -> list[dict]:
    """Median and 90th percentile of the days spent at each stage, for the moves out of it
    during the period (the last 90 days when no period is chosen), from the histograms the
    fold keeps (services.rollups): each is accurate to its duration bucket, whose bounds are
    given with it (`median_between`, `p90_between`)."""
    start, end = _period(f)
    table = _smallest(f, LeadTimeSiteDay, LeadTimeTerritoryDay, LeadTimeNationalDay)
    rows = _core(select(table.c.stage, table.c.bucket, func.sum(table.c.moves))
                 .where(table.c.day >= start, table.c.day <= end, *_rollup_where(table, f))
                 .group_by(table.c.stage, table.c.bucket))
    histograms: dict = defaultdict(dict)
    for stage, bucket, moves in rows:
        if moves:
            histograms[stage][int(bucket)] = int(moves)
    out = []
    for stage, histogram in histograms.items():
        median, median_between = _histogram_percentile(histogram, 0.5)
        p90, p90_between = _histogram_percentile(histogram, 0.9)
        out.append({"stage": stage, "moves": sum(histogram.values()),
                    "median_days": round(median, 1), "p90_days": round(p90, 1),
                    "median_between": median_between, "p90_between": p90_between})
    return _by_stage(out)


def _histogram_percentile(histogram: dict[int, int], fraction: float):
    """The nearest-rank percentile (as `goal.percentile`) read from a histogram: the bucket
    holding that rank, interpolated linearly within it (its lower bound for the last, open
    bucket); and the bucket's bounds in days, between which the exact value lies."""
    total = sum(histogram.values())
    rank = max(math.ceil(fraction * total), 1)
    seen = 0
    for bucket in sorted(histogram):
        count = histogram[bucket]
        if seen + count >= rank:
            lower, upper = rollups.bucket_bounds(bucket)
            if upper is None:
                return lower, [round(lower, 3), None]
            value = lower + (rank - seen - 0.5) / count * (upper - lower)
            return value, [round(lower, 3), round(upper, 3)]
        seen += count
    raise AssertionError("rank beyond the histogram")  # pragma: no cover


def _by_stage(rows: list[dict]) -> list[dict]:
    order = list(WAITING_LIMITS) + ["allocated", "returned", "pledged"]
    return sorted(rows, key=lambda r: order.index(r["stage"]) if r["stage"] in order else 99)


def lead_times_scan(f: Filters) -> list[dict]:
    """The exact figures by scanning the stage log (the reference the tests compare with, and
    the benchmark's baseline): the same moves, filtered by the place of the stay."""
    start, end = _period(f)
    previous = func.lag(StageEvent.occurred_at).over(partition_by=StageEvent.device_id,
                                                     order_by=StageEvent.id)
    previous_site = func.lag(StageEvent.site_id).over(partition_by=StageEvent.device_id,
                                                      order_by=StageEvent.id)
    events = (select(StageEvent.from_stage, StageEvent.occurred_at, previous.label("since"),
                     previous_site.label("stay_site_id"), StageEvent.device_id).subquery())
    start_at = dt.datetime.combine(start, dt.time(), dt.UTC)
    end_at = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC)
    where = []
    if f.departments is not None:
        where.append(Site.department_code.in_(f.departments))
    if f.operator_id:
        where.append(func.coalesce(Site.operator_id, Device.operator_id) == f.operator_id)
    if f.site_id:
        where.append(events.c.stay_site_id == f.site_id)
    if f.kind:
        where.append(Device.kind == f.kind)
    query = (select(events.c.from_stage, events.c.occurred_at, events.c.since)
             .join(Device, Device.id == events.c.device_id)
             .outerjoin(Site, Site.id == events.c.stay_site_id)
             .where(events.c.from_stage.is_not(None), events.c.since.is_not(None),
                    events.c.occurred_at >= start_at, events.c.occurred_at < end_at, *where))
    durations: dict = defaultdict(list)
    for stage, at, since in db.session.execute(query):
        durations[stage].append(max((_aware(at) - _aware(since)).total_seconds() / 86400, 0))
    out = []
    for stage, values in durations.items():
        values.sort()
        out.append({"stage": stage, "moves": len(values),
                    "median_days": round(goal_maths.percentile(values, 0.5), 1),
                    "p90_days": round(goal_maths.percentile(values, 0.9), 1)})
    return _by_stage(out)


def _aware(moment: dt.datetime | str) -> dt.datetime:
    if isinstance(moment, str):  # SQLite gives a window function's datetime back as text
        moment = dt.datetime.fromisoformat(moment)
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def waiting(f: Filters, now: dt.datetime | None = None) -> list[dict]:
    """Devices at a stage for longer than its limit, per stage and site: the counted stock at
    each stage and site (the counters, exact) minus the devices that entered that stage within
    its limit (a range of the partial index ix_devices_waiting per stage). Reads the recent
    flow, not the backlog of devices long stuck."""
    now = now or utcnow()
    g = replace(f, date_from=None, date_to=None)  # "now", whatever the period
    rows = counter_rows_for(g, by_day=False, columns=("site_id",))
    stock = _core(select(rows.c.stage, rows.c.site_id, func.sum(rows.c.stock))
                  .where(rows.c.stage.in_(WAITING_LIMITS), *_where(rows, g, period=False))
                  .group_by(rows.c.stage, rows.c.site_id))
    late = {(stage, site): int(n) for stage, site, n in stock if n and site}
    if late:
        ranges = [select(Device.stage, Device.site_id)
                  .where(Device.stage == stage,
                         Device.stage_changed_at >= now - dt.timedelta(days=days),
                         *([Device.kind == f.kind] if f.kind else []),
                         *([Device.site_id == f.site_id] if f.site_id else []))
                  for stage, days in WAITING_LIMITS.items()]
        recent = union_all(*ranges).subquery()
        for stage, site, n in _core(select(recent.c.stage, recent.c.site_id, func.count())
                                    .group_by(recent.c.stage, recent.c.site_id)):
            if (stage, site) in late:
                late[(stage, site)] -= n
    late = {k: n for k, n in late.items() if n > 0}
    ids = {site for _stage, site in late}
    query = select(Site.id, Site.name)
    names = dict(_core(query if len(ids) > 50 else query.where(Site.id.in_(ids)))) \
        if ids else {}
    order = list(WAITING_LIMITS)
    return [{"stage": s, "limit_days": WAITING_LIMITS[s], "site_id": i, "site": names.get(i),
             "count": n}
            for (s, i), n in sorted(late.items(),
                                    key=lambda r: (order.index(r[0][0]), names.get(r[0][1], "")))]


def waiting_scan(f: Filters, now: dt.datetime | None = None) -> list[dict]:
    """The same figures counted from the devices table alone (the reference for tests)."""
    now = now or utcnow()
    late = [and_(Device.stage == stage, Device.stage_changed_at < now - dt.timedelta(days=days))
            for stage, days in WAITING_LIMITS.items()]
    rows = db.session.execute(
        select(Device.stage, Site.id, Site.name, func.count())
        .join(Site, Site.id == Device.site_id)
        .where(Device.stage.in_(WAITING_LIMITS), or_(*late), *_device_where(f))
        .group_by(Device.stage, Site.id, Site.name)).all()
    order = list(WAITING_LIMITS)
    return [{"stage": s, "limit_days": WAITING_LIMITS[s], "site_id": i, "site": n, "count": c}
            for s, i, n, c in sorted(rows, key=lambda r: (order.index(r[0]), r[2]))]


def dashboard(user: User, filters: Filters, *, details: bool = True) -> dict:
    """The whole dashboard for `user` (scoped), as plain data for the page, the API, the mail.
    `details` adds lead times and yield by donor and age (detail roll-ups, services.rollups)
    and the devices waiting too long (an index of the devices table)."""
    f = scoped_filters(user, filters)
    figures = summary(f)
    data = {"filters": f, "goal": goal_status(f, count=figures.pop("goal_to_date")), **figures}
    if details:
        data.update(yield_details=yield_details(f), lead_times=lead_times(f),
                    waiting=waiting(f))
    db.session.rollback()  # read-only: end the transaction (SQLite holds its lock until then)
    return data


def weekly_summaries(today: dt.date | None = None) -> int:
    """Queue this week's summary mail to every active manager (once per ISO week each)."""
    from flask_babel import force_locale, format_decimal, format_percent
    from flask_babel import gettext as _

    from ..domain.models import OutboxMail
    from .mail import queue_mail

    today = today or utcnow().date()
    year, week, _day = today.isocalendar()
    sent = 0
    for user in db.session.scalars(select(User).where(User.role == Role.MANAGER,
                                                      User.is_active.is_(True))).all():
        with force_locale(user.locale or "fr"):
            subject = _("Collecte : résumé de la semaine %(week)s-%(year)s", week=week, year=year)
            if db.session.scalar(select(OutboxMail.id).where(
                    OutboxMail.to_address == user.email, OutboxMail.subject == subject)):
                continue
            try:
                data = dashboard(user, Filters(), details=False)
            except NotFound:
                continue
            g = data["goal"]
            lines = [
                _("Remis et comptés pour l'objectif : %(n)s sur %(target)s (%(share)s).",
                  n=format_decimal(g.count), target=format_decimal(g.target),
                  share=format_percent(g.share, format="#,##0.00 %")),
                _("Rythme : %(r30)s par jour sur 30 jours, %(r90)s sur 90 jours.",
                  r30=format_decimal(round(g.rate_30, 1)), r90=format_decimal(round(g.rate_90, 1))),
                _("Date prévue à ce rythme : %(date)s.",
                  date=g.projected_date.isoformat() if g.projected_date else "—"),
            ] + [_("%(stage)s : %(n)s appareils.", stage=stage, n=format_decimal(n))
                 for stage, n in data["pipeline"].items()]
            queue_mail(user.email, subject, "\n".join(lines))
            db.session.commit()
            sent += 1
    return sent
