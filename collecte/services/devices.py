"""Reading devices: by code, by filters, with their history; always scoped to the user."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..domain.codes import CodeError, extract_code, format_code, parse_code
from ..domain.models import Device, DeviceKind, Site, StageEvent, User
from ..domain.scanner import looks_mistranslated, read_scan
from ..domain.stages import N_, Stage
from ..errors import Invalid, Message, NotFound
from ..extensions import db
from .access import device_scope

MAX_PAGE_SIZE = 200


def canonical_code(raw: str) -> str:
    """A stored code from whatever was typed or scanned; 422 saying what is wrong."""
    try:
        # Text typed by a US-layout scanner on an AZERTY machine (it shows &é"'(... instead of
        # digits) is repaired; anything else is read as typed, so that a typo in a code is
        # always caught rather than "repaired" into another device's code.
        if looks_mistranslated(raw):
            return read_scan(raw).canonical
        return parse_code(extract_code(raw)).canonical
    except CodeError as exc:
        code = "mistyped-code" if exc.kind == "mistyped" else "malformed-code"
        raise Invalid(str(exc), code=code, errors={"code": [str(exc)]}) from exc


def get_device(user: User, raw_code: str, *, for_update: bool = False) -> Device:
    """The device with this code if `user` may see it; otherwise 404, whether or not it exists."""
    code = canonical_code(raw_code)
    device = db.session.scalar(device_query(user, code))
    if device is None:
        raise unknown_device(code)
    return device


def device_query(user: User, code: str):
    """Select the device with this stored code if `user` may see it, its site loaded with it
    (pages, API answers and the dashboard counters all need the site)."""
    return (select(Device).options(joinedload(Device.site))
            .where(Device.code == code, device_scope(user)))


def unknown_device(code: str) -> NotFound:
    printed = f"{code[:4]}-{code[4:8]}-{code[8:]}"
    return NotFound("Aucun appareil avec le code %(code)s ici.", params={"code": printed},
                    code="unknown-device")


@dataclass(frozen=True, slots=True)
class SiteState:
    id: int
    operator_id: int
    name: str
    department_code: str


@dataclass(frozen=True, slots=True)
class DeviceState:
    """A device as a scan reads it: one Core row, no ORM object. Scans are the hot path, and
    loading and tracking ORM objects cost them more than their SQL. Has the attributes of
    Device that moves, counters and the API's DeviceOut read."""

    id: int
    code: str
    kind: str
    make: str
    model: str
    serial: str | None
    asset_tag: str | None
    grade: str | None
    stage: str
    stage_changed_at: dt.datetime
    outcome_reason: str | None
    donor_id: int | None
    operator_id: int | None
    site_id: int | None
    pledge_id: int | None
    version: int
    site: SiteState | None

    @property
    def stage_enum(self) -> Stage:
        return Stage(self.stage)

    @property
    def printed_code(self) -> str:
        return format_code(self.code)


_D, _S = Device.__table__.c, Site.__table__.c
STATE_COLUMNS = (_D.id, _D.code, _D.kind, _D.make, _D.model, _D.serial, _D.asset_tag, _D.grade,
                 _D.stage, _D.stage_changed_at, _D.outcome_reason, _D.donor_id, _D.operator_id, _D.site_id,
                 _D.pledge_id, _D.version)
SITE_COLUMNS = (_S.id, _S.operator_id, _S.name, _S.department_code)


def state_query(user: User | object, code):
    """Select the columns of DeviceState and of its site for the device with this stored code,
    if `user` may see it; rows, not ORM objects (read them with `state_of`)."""
    return (select(*STATE_COLUMNS, *(c.label(f"site_{c.name}") for c in SITE_COLUMNS))
            .select_from(Device.__table__.outerjoin(Site.__table__, _S.id == _D.site_id))
            .where(_D.code == code, device_scope(user)))


def state_of(row) -> DeviceState:
    """The DeviceState of a state_query() row (extra columns after the site's are ignored)."""
    n = len(STATE_COLUMNS)
    site = SiteState(*row[n:n + len(SITE_COLUMNS)]) if row[n] is not None else None
    return DeviceState(*row[:n], site)


def site_state(site_id: int | None) -> SiteState | None:
    if site_id is None:
        return None
    row = db.session.connection().execute(select(*SITE_COLUMNS).where(_S.id == site_id)).first()
    return SiteState(*row) if row else None


def history(device: Device) -> list[StageEvent]:
    return list(db.session.scalars(select(StageEvent).where(StageEvent.device_id == device.id)
                                   .order_by(StageEvent.occurred_at, StageEvent.id)))


@dataclass(frozen=True)
class DeviceFilter:
    stage: str | None = None
    kind: str | None = None
    site_id: int | None = None
    pledge_id: int | None = None
    page: int = 1
    per_page: int = 50

    def validate(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.stage and self.stage not in Stage.__members__.values():
            errors["stage"] = [Message("Étape inconnue ; valeurs possibles : %(values)s.",
                                       values=", ".join(s.value for s in Stage))]
        if self.kind and self.kind not in DeviceKind.__members__.values():
            errors["kind"] = [Message("Type inconnu ; valeurs possibles : %(values)s.",
                                      values=", ".join(k.value for k in DeviceKind))]
        if self.page < 1:
            errors["page"] = [N_("Les pages commencent à 1.")]
        if not 1 <= self.per_page <= MAX_PAGE_SIZE:
            errors["per_page"] = [Message("Entre 1 et %(max)s.", max=MAX_PAGE_SIZE)]
        if errors:
            raise Invalid("Certains filtres ne sont pas valides.", errors=errors)


def list_devices(user: User, filters: DeviceFilter) -> tuple[list[Device], int]:
    """One page of the devices `user` may see, newest first, and the total count."""
    filters.validate()
    query = select(Device).where(device_scope(user))
    if filters.stage:
        query = query.where(Device.stage == filters.stage)
    if filters.kind:
        query = query.where(Device.kind == filters.kind)
    if filters.site_id:
        query = query.where(Device.site_id == filters.site_id)
    if filters.pledge_id:
        query = query.where(Device.pledge_id == filters.pledge_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Device.id.desc())
                              .limit(filters.per_page)
                              .offset((filters.page - 1) * filters.per_page))
    return list(rows), total or 0
