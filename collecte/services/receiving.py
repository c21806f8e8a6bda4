"""Receiving devices at a workshop: a pledge's placeholders, or unannounced devices."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..domain.codes import new_code
from ..domain.models import (
    Device,
    DeviceKind,
    Job,
    Organisation,
    Pledge,
    Site,
    StageEvent,
    User,
    utcnow,
)
from ..domain.stages import N_, Stage
from ..errors import Conflict, Invalid, Message, NotFound
from ..extensions import db
from . import counters, stages
from .access import sees_everything
from .devices import canonical_code
from .labels import BatchOptions, enqueue_batch, require_printer


@dataclass(frozen=True)
class Receipt:
    devices: list[Device]
    job: Job | None  # the label batch, when asked for


def _workshop_site(user: User, site_id: int | None) -> int:
    """The receiving site: the one chosen (of the user's operator), else the user's bench,
    else the operator's first site."""
    if site_id is not None:
        site = db.session.get(Site, site_id)
        if site is None or (site.operator_id != user.organisation_id and not sees_everything(user)):
            raise NotFound("Ce site n'appartient pas à votre atelier.", code="unknown-site",
                           errors={"site_id": [N_("Pas un site de votre atelier.")]})
        return site.id
    if user.site_id is not None:
        return user.site_id
    first = db.session.scalar(select(Site.id).where(Site.operator_id == user.organisation_id)
                              .order_by(Site.id))
    if first is None:
        raise Invalid("Choisissez le site qui reçoit ces appareils.", code="site-required",
                      errors={"site_id": [N_("Obligatoire : votre compte n'a pas de site.")]})
    return first


def receive_pledge(user: User, pledge_id: int, *, codes: list[str] | None = None,
                   site_id: int | None = None, labels: BatchOptions | None = None) -> Receipt:
    """Move the pledge's `pledged` placeholders (all, or those of `codes`) to `received` at the
    user's site, and queue their labels if asked; one transaction."""
    from .pledges import get_pledge

    require_printer(user)
    pledge = get_pledge(user, pledge_id)
    if pledge.operator_id != user.organisation_id and not sees_everything(user):
        raise Conflict("Acceptez d'abord cette promesse de don pour votre atelier.",
                       code="pledge-not-accepted")
    target = _workshop_site(user, site_id)
    query = select(Device).where(Device.pledge_id == pledge.id,
                                 Device.stage == Stage.PLEDGED.value).order_by(Device.id)
    if codes is not None:
        wanted, bad = [], {}
        for raw in codes:
            try:
                wanted.append(canonical_code(str(raw)))
            except Invalid as exc:
                bad[str(raw)] = Message(exc.msgid, **exc.params)
        if bad or not wanted:
            if bad:
                raise Invalid("Codes non valides : %(codes)s.", params={"codes": ", ".join(bad)},
                              code="invalid-codes", errors={"codes": bad})
            raise Invalid("Donnez au moins un code.", code="invalid-codes",
                          errors={"codes": [N_("Au moins un code.")]})
        query = query.where(Device.code.in_(set(wanted)))
    devices = list(db.session.scalars(query))
    if codes is not None:
        found = {d.code for d in devices}
        missing = sorted({c for c in wanted if c not in found})
        if missing:
            raise NotFound("Ces codes ne sont pas des appareils promis de cette promesse, en "
                           "attente de réception : %(codes)s.", params={"codes": ", ".join(missing)},
                           code="unknown-devices", errors={"codes": missing})
    if not devices:
        raise Conflict("Tous les appareils de cette promesse sont déjà reçus.",
                       code="nothing-to-receive")
    try:
        moved = [stages.move(user, d, Stage.RECEIVED, site_id=target).device for d in devices]
        job = enqueue_batch(user, [d.id for d in moved], labels) if labels else None
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return Receipt(devices=moved, job=job)


@dataclass(frozen=True)
class UnannouncedDevice:
    kind: str
    make: str = ""
    model: str = ""
    serial: str | None = None
    asset_tag: str | None = None
    site_id: int | None = None
    donor_id: int | None = None


def _check(draft: UnannouncedDevice) -> None:
    errors: dict[str, list[str]] = {}
    if draft.kind not in DeviceKind.__members__.values():
        errors["kind"] = [Message("Type inconnu ; valeurs : %(kinds)s.",
                                  kinds=", ".join(k.value for k in DeviceKind))]
    for field, limit in (("make", 100), ("model", 200), ("serial", 100), ("asset_tag", 100)):
        if len(getattr(draft, field) or "") > limit:
            errors[field] = [Message("%(n)s caractères au plus.", n=limit)]
    if not (draft.serial or "").strip() and not (draft.asset_tag or "").strip():
        errors["serial"] = [N_("Notez le numéro de série (ou, à défaut, le numéro d'inventaire).")]
    if draft.donor_id is not None:
        donor = db.session.get(Organisation, draft.donor_id)
        if donor is None or donor.kind not in ("donor_company", "donor_municipality"):
            errors["donor_id"] = [N_("Donateur inconnu.")]
    if errors:
        raise Invalid("L'appareil ne peut pas être enregistré.", errors=errors)


def register_device(user: User, draft: UnannouncedDevice, *,
                    labels: BatchOptions | None = None) -> Receipt:
    """A device that arrived without a pledge: created at `received` at the user's site, with
    its creation event; its label queued if asked. One transaction."""
    require_printer(user)
    if user.organisation.kind != "workshop_operator":
        raise Invalid("Seul un atelier enregistre des appareils.", code="not-a-workshop")
    _check(draft)
    site_id = _workshop_site(user, draft.site_id)
    code = new_code()
    while db.session.scalar(select(Device.id).where(Device.code == code)):
        code = new_code()  # 40 random bits: a collision is rare, but cheap to rule out
    now = utcnow()
    device = Device(code=code, kind=draft.kind, make=(draft.make or "").strip(),
                    model=(draft.model or "").strip(), serial=(draft.serial or "").strip() or None,
                    asset_tag=(draft.asset_tag or "").strip() or None,
                    stage=Stage.RECEIVED.value, stage_changed_at=now,
                    operator_id=user.organisation_id, site_id=site_id, donor_id=draft.donor_id)
    try:
        db.session.add(device)
        db.session.flush()
        db.session.add(StageEvent(device_id=device.id, from_stage=None,
                                  to_stage=Stage.RECEIVED.value, actor_id=user.id,
                                  site_id=site_id, occurred_at=now, recorded_at=now,
                                  note="Appareil reçu sans promesse de don."))
        counters.record_created(db.session, [device])
        job = enqueue_batch(user, [device.id], labels) if labels else None
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return Receipt(devices=[device], job=job)


def pledges_to_receive(user: User) -> list[tuple[Pledge, int]]:
    """The caller's accepted pledges that still have placeholders, with how many."""
    require_printer(user)
    count = func.count(Device.id)
    query = (select(Pledge, count).join(Device, Device.pledge_id == Pledge.id)
             .where(Device.stage == Stage.PLEDGED.value).group_by(Pledge.id).order_by(Pledge.id))
    if not sees_everything(user):
        query = query.where(Pledge.operator_id == user.organisation_id)
    return [(pledge, n) for pledge, n in db.session.execute(query)]


def placeholders(user: User, pledge_id: int) -> tuple[Pledge, list[Device]]:
    """A pledge of the caller's workshop and its devices still waiting for receipt."""
    from .pledges import get_pledge

    require_printer(user)
    pledge = get_pledge(user, pledge_id)
    if pledge.operator_id != user.organisation_id and not sees_everything(user):
        raise NotFound("Promesse de don inconnue.", code="unknown-pledge")
    devices = list(db.session.scalars(select(Device).where(
        Device.pledge_id == pledge.id, Device.stage == Stage.PLEDGED.value).order_by(Device.id)))
    return pledge, devices


def donors() -> list[Organisation]:
    """Donor organisations, for naming the giver of an unannounced device."""
    return list(db.session.scalars(select(Organisation).where(
        Organisation.kind.in_(("donor_company", "donor_municipality"))).order_by(Organisation.name)))
