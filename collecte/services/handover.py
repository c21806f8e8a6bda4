"""Handing a reserved device over: confirmation by pickup code (rate-limited), handover sheet."""

from __future__ import annotations

import datetime as dt
import re

from flask import current_app
from sqlalchemy import func, select

from ..domain.models import Allocation, AllocationRequest, PickupAttempt, Role, User, utcnow
from ..domain.stages import N_, Stage
from ..errors import Conflict, Invalid, Message, NotFound, TooMany
from ..extensions import db
from . import requests as request_service
from . import stages
from .access import sees_everything
from .allocation import PICKUP_ALPHABET, PICKUP_LENGTH, active_allocation

MAX_FAILURES = 5  # wrong codes per user per window; then wait
FAILURE_WINDOW = dt.timedelta(minutes=15)
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def normalise_code(raw: str) -> str:
    """Upper case, no spaces or dashes, Crockford look-alikes read as their digit."""
    return re.sub(r"[\s\-]", "", raw or "").upper().translate(_ALIASES)


def _may_hand_over(user: User, allocation: Allocation) -> bool:
    """Staff of the operator holding the device, or a social worker of the requesting structure."""
    if sees_everything(user):
        return True
    if user.role in (Role.TECHNICIAN, Role.MANAGER):
        return allocation.device.operator_id == user.organisation_id
    if user.role == Role.SOCIAL_WORKER:
        return allocation.request.organisation_id == user.organisation_id
    return False


def recent_failures(user: User, now: dt.datetime | None = None) -> int:
    since = (now or utcnow()) - FAILURE_WINDOW
    return db.session.scalar(select(func.count()).select_from(PickupAttempt).where(
        PickupAttempt.user_id == user.id, PickupAttempt.at >= since)) or 0


def _refuse_wrong_code(user: User, reason: Message) -> Invalid:
    db.session.rollback()
    db.session.add(PickupAttempt(user_id=user.id))
    db.session.commit()
    left = max(MAX_FAILURES - recent_failures(user), 0)
    return Invalid("%(reason)s Il vous reste %(left)s essai(s) avant une pause de 15 minutes.",
                   params={"reason": reason, "left": left},
                   code="wrong-pickup-code", attempts_left=left,
                   errors={"pickup_code": [N_("Code de retrait inconnu.")]})


def confirm(user: User, raw_code: str) -> Allocation:
    """Confirm a pickup by its code: the device becomes `allocated`, the request handed over."""
    if recent_failures(user) >= MAX_FAILURES:
        db.session.rollback()
        raise TooMany("Trop de codes erronés : attendez 15 minutes avant de réessayer.",
                      code="too-many-pickup-attempts")
    code = normalise_code(raw_code)
    if len(code) != PICKUP_LENGTH or any(c not in PICKUP_ALPHABET for c in code):
        raise _refuse_wrong_code(user, Message("Un code de retrait a %(n)s caractères (chiffres "
                                               "et lettres), par exemple 7K3M9Q.",
                                               n=PICKUP_LENGTH))
    allocation = db.session.scalar(select(Allocation).where(
        Allocation.pickup_code == code, Allocation.is_active.is_(True)))
    if allocation is None or not _may_hand_over(user, allocation):
        raise _refuse_wrong_code(user, Message("Ce code ne correspond à aucune réservation en "
                                               "cours ici. Vérifiez chaque caractère."))
    if allocation.handed_over_at is not None:
        raise Conflict("Cet appareil a déjà été remis.", code="already-handed-over")
    try:
        now = utcnow()
        allocation.handed_over_at = now
        allocation.handed_over_by_id = user.id
        db.session.flush()
        stages.move(user, allocation.device, Stage.ALLOCATED,
                    note=f"Remis pour la demande {allocation.request_id}")
        request_service.change_status(allocation.request, "handed_over", user,
                                      note="Remise confirmée par le code de retrait")
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return allocation


def sheet(user: User, request_id: int) -> dict:
    """What the printable handover sheet shows, for a reserved or handed-over request."""
    request: AllocationRequest = request_service.get_request(user, request_id)
    allocation = active_allocation(request)
    if allocation is None:
        raise NotFound("Aucun appareil n'est réservé pour cette demande.",
                       code="no-reservation")
    device = allocation.device
    return {
        "req": request, "allocation": allocation, "device": device,
        "site": device.site,
        "warranty_months": int(current_app.config.get("WARRANTY_MONTHS", 6)),
        "help_contact": current_app.config.get("HELP_CONTACT",
                                               "votre travailleur social ou l'atelier"),
        "show_code": user.role == Role.SOCIAL_WORKER,
    }
