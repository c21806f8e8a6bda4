"""Reading devices: by code, by filters, with their history; always scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..domain.codes import CodeError, extract_code, parse_code
from ..domain.models import Device, DeviceKind, StageEvent, User
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
