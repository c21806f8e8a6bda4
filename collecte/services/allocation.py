"""The queue in the database, the device suggestion, reservation and release of reservations."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.exc import IntegrityError

from ..domain.models import (
    Allocation,
    AllocationRequest,
    Device,
    Role,
    Site,
    User,
    utcnow,
)
from ..domain.models.devices import KIND_LABELS, DeviceKind
from ..domain.models.people import site_territories
from ..domain.queue import RULE_ID, RULE_TEXT, rank_expression, urgency_rank
from ..domain.stages import Stage
from ..errors import Conflict, NotFound, Term
from ..extensions import db
from . import mail, stages
from . import requests as request_service
from .access import device_scope

PICKUP_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
PICKUP_LENGTH = 6
WORKSHOP_STAGES = ("received", "diagnosed", "wiped", "refurbished", "checked")
KIND_PLURAL = {"laptop": "ordinateurs portables", "desktop": "ordinateurs fixes",
               "tablet": "tablettes", "smartphone": "smartphones", "monitor": "écrans",
               "other": "appareils"}


def department_name(code: str | None) -> str:
    """The département's name: the official list (services.territories) when it is loaded,
    else the table below. The one lookup to change if names move into the database."""
    try:
        from .territories import departments

        found = departments().get(code or "")
        if found:
            return found[0]
    except (ImportError, OSError, KeyError):
        pass
    return DEPARTMENTS.get(code or "", code or "?")


def department_label(code: str | None) -> str:
    return f"département {department_name(code)} ({code})"


def _rank(request: AllocationRequest) -> int:
    return urgency_rank(request.urgency)


def queue_position(request: AllocationRequest) -> int | None:
    """1-based place in the queue of its kind and département (same rule as domain.queue)."""
    if request.status != "approved" or request.approved_at is None:
        return None
    rank = rank_expression(AllocationRequest.urgency)
    ahead = db.session.scalar(select(func.count()).select_from(AllocationRequest).where(
        AllocationRequest.device_kind == request.device_kind,
        AllocationRequest.department_code == request.department_code,
        AllocationRequest.status == "approved",
        AllocationRequest.id != request.id,
        tuple_(rank, AllocationRequest.approved_at, AllocationRequest.id)
        < tuple_(_rank(request), request.approved_at, request.id)))
    return (ahead or 0) + 1


def serving_sites(department_code: str) -> list[int]:
    """Ids of sites serving a département: their own, or listed in site_territories.
    Read first as a short list, so that the planner sees the sites when it picks an index."""
    listed = select(site_territories.c.site_id).where(
        site_territories.c.department_code == department_code)
    return list(db.session.scalars(select(Site.id).where(
        or_(Site.department_code == department_code, Site.id.in_(listed)))))


def in_workshop_count(device_kind: str, department_code: str) -> int:
    return db.session.scalar(select(func.count()).select_from(Device).where(
        Device.kind == device_kind, Device.stage.in_(WORKSHOP_STAGES),
        Device.site_id.in_(serving_sites(department_code)))) or 0


def explain(request: AllocationRequest) -> str:
    """The status in one plain-French sentence, for the social worker."""
    kind = KIND_LABELS[DeviceKind(request.device_kind)].lower()
    place = department_label(request.department_code)
    status = request.status
    if status == "submitted":
        return "Demande envoyée : elle attend la décision d'un responsable."
    if status == "approved":
        pos = queue_position(request)
        rank = "1er" if pos == 1 else f"{pos}e"
        n = in_workshop_count(request.device_kind, request.department_code)
        if n > 1:
            stock = f"{n} {KIND_PLURAL[request.device_kind]} sont en cours de reconditionnement"
        elif n == 1:
            stock = f"1 {kind} est en cours de reconditionnement"
        else:
            stock = f"aucun {kind} n'est en cours de reconditionnement pour l'instant"
        return f"{rank} dans la file pour un {kind}, {place} ; {stock}."
    if status == "reserved":
        return f"Un {kind} est réservé : il attend le retrait avec le code de retrait."
    if status == "handed_over":
        return f"Le {kind} a été remis."
    if status == "rejected":
        base = f"Demande refusée : {request.rejection_reason}"
        if request.reviewed_at:
            return base + " Le refus a été confirmé après réexamen."
        if request.contested_at:
            return base + " Votre contestation attend le réexamen d'un autre responsable."
        return base + " Vous pouvez contester ce refus."
    if status == "cancelled":
        return "Demande annulée."
    return "Demande expirée."


@dataclass
class Suggestion:
    request: AllocationRequest
    device: Device | None
    queue_position: int | None
    needs_note: str


def next_ready_device(device_kind: str, department_code: str, scope=None) -> Device | None:
    """The longest-ready device of the kind at a site serving the département, not reserved."""
    query = (select(Device).where(Device.stage == Stage.READY.value, Device.kind == device_kind,
                                  Device.site_id.in_(serving_sites(department_code)))
             .order_by(Device.stage_changed_at, Device.id).limit(1))
    if scope is not None:
        query = query.where(scope)
    return db.session.scalar(query)


def suggest(user: User, request_id: int) -> Suggestion:
    """Which ready device to reserve for this approved request (a person confirms)."""
    request = request_service.get_request(user, request_id)
    if user.role not in (Role.MANAGER, Role.TECHNICIAN, Role.ADMIN):
        raise NotFound("Aucune demande avec ce numéro dans votre périmètre.")
    device = None
    if request.status == "approved":
        device = next_ready_device(request.device_kind, request.department_code,
                                   device_scope(user))
    needs = list(request.beneficiary.accessibility_needs or [])
    note = ("Besoins d'accessibilité à vérifier avant de confirmer : " + ", ".join(needs) + "."
            if needs else "")
    return Suggestion(request, device, queue_position(request), note)


def new_pickup_code() -> str:
    return "".join(secrets.choice(PICKUP_ALPHABET) for _ in range(PICKUP_LENGTH))


def reserve(user: User, request_id: int, device_code: str) -> Allocation:
    """A person confirms: the device is reserved for the request, in one transaction.

    Two confirmations at once: the unique indexes on active allocations and the conditional
    updates of the device (in stages.move) and of the request let exactly one win."""
    from .devices import get_device

    try:
        if user.role not in (Role.MANAGER, Role.TECHNICIAN, Role.ADMIN):
            raise NotFound("Aucune demande avec ce numéro dans votre périmètre.")
        request = request_service.get_request(user, request_id)
        device = get_device(user, device_code)
        if request.status != "approved":
            raise Conflict("Cette demande n'attend plus d'appareil : elle est « %(status)s ».",
                           params={"status": Term(request_service.STATUS_LABELS[request.status])},
                           code="request-not-approved", current_status=request.status)
        if device.stage != Stage.READY.value:
            raise Conflict("L'appareil %(code)s n'est plus prêt : il est à l'étape « %(stage)s ». "
                           "Choisissez-en un autre.",
                           params={"code": device.printed_code,
                                   "stage": Term(Stage(device.stage).label)},
                           code="device-not-ready", current_stage=device.stage)
        if device.kind != request.device_kind:
            raise Conflict("Cet appareil n'est pas du type demandé.", code="wrong-kind")
        position = queue_position(request)
        now = utcnow()
        days = int(current_app.config.get("RESERVATION_DAYS", 14))
        allocation = Allocation(
            request_id=request.id, device_id=device.id, pickup_code=new_pickup_code(),
            reserved_by_id=user.id, reserved_at=now, expires_at=now + dt.timedelta(days=days),
            explanation={"rule": RULE_ID, "rule_text": RULE_TEXT, "queue_position": position,
                         "device_kind": request.device_kind,
                         "department_code": request.department_code,
                         "decided_by": user.name or user.email, "decided_by_id": user.id,
                         "decided_at": now.isoformat()})
        db.session.add(allocation)
        db.session.flush()  # the unique indexes speak here
        stages.move(user, device, Stage.RESERVED, note=f"Demande {request.id}")
        request_service.change_status(request, "reserved", user,
                                      note=f"Appareil {device.printed_code} réservé")
        if request.requested_by is not None:
            mail.queue_mail(request.requested_by.email, "Un appareil est réservé",
                            f"Un appareil est réservé pour la demande n° {request.id}.\n"
                            f"Code de retrait : {allocation.pickup_code}\n"
                            f"À retirer avant le {allocation.expires_at:%d/%m/%Y}.")
        db.session.commit()
        return allocation
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict("Cet appareil ou cette demande vient d'être réservé par quelqu'un "
                       "d'autre.", code="already-reserved") from exc
    except Exception:
        db.session.rollback()
        raise


def active_allocation(request: AllocationRequest) -> Allocation | None:
    return db.session.scalar(select(Allocation).where(Allocation.request_id == request.id,
                                                      Allocation.is_active.is_(True)))


def release_expired(now: dt.datetime | None = None, actor: User | None = None) -> int:
    """Release reservations not handed over in time: device back to ready, request back to
    approved at its original place (approved_at unchanged), notice to the social worker.
    One transaction per reservation; safe to run twice."""
    now = now or utcnow()
    ids = list(db.session.scalars(select(Allocation.id).where(
        Allocation.is_active.is_(True), Allocation.handed_over_at.is_(None),
        Allocation.expires_at < now)))
    db.session.rollback()
    released = 0
    for allocation_id in ids:
        try:
            allocation = db.session.get(Allocation, allocation_id)
            if not allocation.is_active or allocation.handed_over_at is not None:
                continue
            request, device = allocation.request, allocation.device
            system = actor or _system_actor(device)
            allocation.is_active = False
            allocation.released_at = now
            allocation.release_reason = "Délai de retrait dépassé"
            db.session.flush()
            request_service.change_status(request, "approved", system,
                                          note="Réservation libérée : délai de retrait dépassé")
            _move_back(system, device)
            if request.requested_by is not None:
                mail.queue_mail(request.requested_by.email, "Réservation libérée",
                                f"L'appareil réservé pour la demande n° {request.id} n'a pas "
                                "été retiré à temps. La demande reste approuvée et garde sa "
                                "place dans la file.")
            db.session.commit()
            released += 1
        except Exception:
            db.session.rollback()
            current_app.logger.exception("reservation %s not released", allocation_id)
    return released


def _system_actor(device: Device) -> User:
    """Releases are done in the name of a manager of the operator holding the device."""
    user = db.session.scalar(select(User).where(
        User.organisation_id == device.operator_id, User.role == "manager",
        User.is_active.is_(True)).order_by(User.id).limit(1))
    if user is None:
        user = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id))
    return user


def _move_back(actor: User, device: Device) -> None:
    stages.move(actor, device, Stage.READY, note="Réservation libérée")


def reserved_requests(user: User):
    return list(db.session.scalars(select(AllocationRequest).where(
        request_service.request_scope(user), AllocationRequest.status == "reserved")))


DEPARTMENTS = dict(zip(
    [f"{n:02d}" for n in range(1, 20)] + ["2A", "2B"] + [f"{n:02d}" for n in range(21, 96)]
    + ["971", "972", "973", "974", "976"],
    ["Ain", "Aisne", "Allier", "Alpes-de-Haute-Provence", "Hautes-Alpes", "Alpes-Maritimes",
     "Ardèche", "Ardennes", "Ariège", "Aube", "Aude", "Aveyron", "Bouches-du-Rhône", "Calvados",
     "Cantal", "Charente", "Charente-Maritime", "Cher", "Corrèze", "Corse-du-Sud", "Haute-Corse",
     "Côte-d'Or", "Côtes-d'Armor", "Creuse", "Dordogne", "Doubs", "Drôme", "Eure",
     "Eure-et-Loir", "Finistère", "Gard", "Haute-Garonne", "Gers", "Gironde", "Hérault",
     "Ille-et-Vilaine", "Indre", "Indre-et-Loire", "Isère", "Jura", "Landes", "Loir-et-Cher",
     "Loire", "Haute-Loire", "Loire-Atlantique", "Loiret", "Lot", "Lot-et-Garonne", "Lozère",
     "Maine-et-Loire", "Manche", "Marne", "Haute-Marne", "Mayenne", "Meurthe-et-Moselle",
     "Meuse", "Morbihan", "Moselle", "Nièvre", "Nord", "Oise", "Orne", "Pas-de-Calais",
     "Puy-de-Dôme", "Pyrénées-Atlantiques", "Hautes-Pyrénées", "Pyrénées-Orientales",
     "Bas-Rhin", "Haut-Rhin", "Rhône", "Haute-Saône", "Saône-et-Loire", "Sarthe", "Savoie",
     "Haute-Savoie", "Paris", "Seine-Maritime", "Seine-et-Marne", "Yvelines", "Deux-Sèvres",
     "Somme", "Tarn", "Tarn-et-Garonne", "Var", "Vaucluse", "Vendée", "Vienne", "Haute-Vienne",
     "Vosges", "Yonne", "Territoire de Belfort", "Essonne", "Hauts-de-Seine",
     "Seine-Saint-Denis", "Val-de-Marne", "Val-d'Oise", "Guadeloupe", "Martinique", "Guyane",
     "La Réunion", "Mayotte"], strict=True))
