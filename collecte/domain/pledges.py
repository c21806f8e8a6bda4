"""The pledge life cycle: statuses, the transitions table, who may move, and the guards.

Pure: no Flask, no database session. `services.pledges` gathers the facts, asks `check_transition()`
and writes the status with a StatusEvent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .models.pledges import PledgeStatus as Status
from .stages import N_, Stage

STATUS_LABELS = {
    Status.DRAFT: N_("Brouillon"),
    Status.SUBMITTED: N_("Envoyée"),
    Status.ACCEPTED: N_("Acceptée"),
    Status.SCHEDULED: N_("Enlèvement planifié"),
    Status.COLLECTED: N_("Enlevée"),
    Status.CLOSED: N_("Clôturée"),
    Status.DECLINED: N_("Refusée"),
    Status.CANCELLED: N_("Annulée"),
}

ALLOWED: dict[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.SUBMITTED, Status.CANCELLED}),
    Status.SUBMITTED: frozenset({Status.ACCEPTED, Status.DECLINED, Status.CANCELLED}),
    Status.ACCEPTED: frozenset({Status.SCHEDULED, Status.CANCELLED}),
    # Scheduling again moves the pickup (a new date), hence scheduled → scheduled.
    Status.SCHEDULED: frozenset({Status.SCHEDULED, Status.COLLECTED, Status.CANCELLED}),
    Status.COLLECTED: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset(),
    Status.DECLINED: frozenset(),
    Status.CANCELLED: frozenset(),
}

_MANAGERS = frozenset({"manager", "admin"})
ROLES_FOR: dict[Status, frozenset[str]] = {
    Status.SUBMITTED: frozenset({"donor"}),
    Status.ACCEPTED: _MANAGERS,
    Status.DECLINED: _MANAGERS,
    Status.SCHEDULED: _MANAGERS,
    Status.COLLECTED: _MANAGERS | {"technician"},
    Status.CLOSED: _MANAGERS,
    Status.CANCELLED: _MANAGERS | {"donor"},
}

# The API/URL verb of each target status.
ACTIONS = {"submit": Status.SUBMITTED, "accept": Status.ACCEPTED, "decline": Status.DECLINED,
           "schedule": Status.SCHEDULED, "collect": Status.COLLECTED, "close": Status.CLOSED,
           "cancel": Status.CANCELLED}

# Where a device's stage leaves it, as the donor sees it (no beneficiary, no technician).
OUTCOME_LABELS = {
    "expected": N_("Attendu"),
    "received": N_("Reçu, en atelier"),
    "ready": N_("Reconditionné, prêt au réemploi"),
    "reused": N_("Réemployé (remis à un foyer)"),
    "parts": N_("Pièces détachées"),
    "recycled": N_("Recyclé"),
    "not_received": N_("Non reçu"),
}
_OUTCOME_BY_STAGE = {
    Stage.PLEDGED: "expected",
    Stage.RECEIVED: "received", Stage.DIAGNOSED: "received", Stage.WIPED: "received",
    Stage.REFURBISHED: "received", Stage.CHECKED: "received", Stage.RETURNED: "received",
    Stage.READY: "ready", Stage.RESERVED: "ready",
    Stage.ALLOCATED: "reused",
    Stage.PARTS: "parts", Stage.RECYCLED: "recycled",
    Stage.CANCELLED: "not_received", Stage.LOST: "not_received",
}
# Stable reason codes given with an outcome, so a donor's report can group them.
REASON_CODES = {Stage.CANCELLED: "pledge-cancelled", Stage.LOST: "lost",
                Stage.PARTS: "beyond-repair", Stage.RECYCLED: "end-of-life"}


def outcome(stage: str) -> str:
    return _OUTCOME_BY_STAGE[Stage(stage)]


def reason_code(stage: str) -> str | None:
    return REASON_CODES.get(Stage(stage))


@dataclass(frozen=True)
class PledgeFacts:
    """What the guards need, gathered by the service."""

    item_count: int = 0
    is_municipality: bool = False
    council_decision_ref: str | None = None
    pickup_address: str = ""
    contact_name: str = ""
    contact_email: str = ""
    window_start: dt.date | None = None
    window_end: dt.date | None = None
    today: dt.date | None = None
    org_is_approved: bool = True
    reason: str | None = None
    pickup_at: dt.datetime | None = None
    now: dt.datetime | None = None


@dataclass(frozen=True)
class PledgeRefusal:
    code: str
    message: str
    errors: dict[str, list[str]]


def allowed_next(current: Status) -> tuple[Status, ...]:
    order = list(Status)
    return tuple(sorted(ALLOWED[current], key=order.index))


def content_problems(f: PledgeFacts) -> dict[str, list[str]]:
    """What a pledge needs before it is submitted (also shown while it is a draft)."""
    errors: dict[str, list[str]] = {}
    if f.item_count <= 0:
        errors["items"] = [N_("Une promesse de don doit compter au moins un appareil.")]
    if not f.pickup_address.strip():
        errors["pickup_address"] = [N_("Indiquez l'adresse d'enlèvement.")]
    if not f.contact_name.strip():
        errors["contact_name"] = [N_("Indiquez la personne à contacter.")]
    if not f.contact_email.strip():
        errors["contact_email"] = [N_("Indiquez l'adresse e-mail du contact.")]
    if f.is_municipality and not (f.council_decision_ref or "").strip():
        errors["council_decision_ref"] = [
            N_("Une commune ou une intercommunalité indique la référence de sa délibération.")]
    return errors | window_problems(f.window_start, f.window_end, f.today)


def window_problems(start: dt.date | None, end: dt.date | None,
                    today: dt.date | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if start and today and start < today:
        errors["window_start"] = [N_("Cette date est passée : choisissez aujourd'hui ou plus tard.")]
    if end and today and end < today:
        errors["window_end"] = [N_("Cette date est passée : choisissez aujourd'hui ou plus tard.")]
    if start and end and end < start:
        errors.setdefault("window_end", []).append(
            N_("La fin de la période est avant son début."))
    return errors


def guard_problems(to: Status, f: PledgeFacts) -> dict[str, list[str]]:
    if to in (Status.SUBMITTED, Status.ACCEPTED) and not f.org_is_approved:
        return {"organisation": [N_("Votre organisation attend la validation d'un gestionnaire.")]}
    if to is Status.SUBMITTED:
        return content_problems(f)
    if to is Status.DECLINED and not (f.reason or "").strip():
        return {"reason": [N_("Indiquez la raison du refus.")]}
    if to is Status.SCHEDULED:
        if f.pickup_at is None:
            return {"pickup_at": [N_("Indiquez la date et l'heure d'enlèvement.")]}
        if f.now and f.pickup_at < f.now:
            return {"pickup_at": [N_("Cette date est passée : choisissez une date à venir.")]}
    return {}


def check_transition(current: Status, to: Status, role: str,
                     facts: PledgeFacts) -> PledgeRefusal | None:
    """None when `role` may move a pledge from `current` to `to` given `facts`."""
    if to not in ALLOWED[current]:
        return PledgeRefusal("transition-not-allowed",
                             N_("Cette étape ne peut pas suivre le statut actuel de la promesse."),
                             {})
    if role not in ROLES_FOR.get(to, frozenset()) and role != "admin":
        return PledgeRefusal("role-not-allowed", N_("Votre rôle ne permet pas ce passage."), {})
    errors = guard_problems(to, facts)
    if errors:
        return PledgeRefusal("guard-failed", N_("Il manque ce qu'exige cette étape."), errors)
    return None
