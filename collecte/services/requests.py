"""Allocation requests: submit, approve, reject, contest, review, cancel; each change logged."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, false, or_, select, true, update

from ..domain.models import (
    AllocationRequest,
    DeviceKind,
    OrgKind,
    RequestStatus,
    Role,
    Site,
    StatusEvent,
    User,
    utcnow,
)
from ..domain.models.people import site_territories
from ..domain.queue import URGENCY_CODES
from ..domain.stages import N_
from ..errors import Conflict, Invalid, NotFound, Term
from ..extensions import db
from . import beneficiaries as beneficiary_service
from .access import sees_everything

PURPOSES: dict[str, str] = {
    "job_search": N_("Recherche d'emploi"),
    "schooling": N_("Scolarité ou formation"),
    "procedures": N_("Démarches administratives"),
    "health": N_("Santé"),
    "other": N_("Autre"),
}
STATUS_LABELS: dict[str, str] = {
    "submitted": N_("Envoyée"), "approved": N_("Approuvée, en file d'attente"),
    "reserved": N_("Appareil réservé"), "handed_over": N_("Appareil remis"),
    "rejected": N_("Refusée"), "cancelled": N_("Annulée"), "expired": N_("Expirée"),
}
# Which status may follow which (a rejected request goes back to approved on review; a
# reserved one back to approved when its reservation is released).
FLOW: dict[str, frozenset[str]] = {
    "submitted": frozenset({"approved", "rejected", "cancelled", "expired"}),
    "approved": frozenset({"reserved", "cancelled", "expired"}),
    "reserved": frozenset({"handed_over", "approved"}),
    "rejected": frozenset({"rejected", "approved", "expired"}),
    "handed_over": frozenset(), "cancelled": frozenset(), "expired": frozenset(),
}
DECIDERS = {Role.MANAGER, Role.ADMIN}


def served_departments(user: User):
    """Départements a workshop manager serves: its sites' own and those listed for them."""
    own = select(Site.department_code).where(Site.operator_id == user.organisation_id)
    listed = (select(site_territories.c.department_code)
              .join(Site, Site.id == site_territories.c.site_id)
              .where(Site.operator_id == user.organisation_id))
    return own.union(listed)


def request_scope(user: User) -> ColumnElement[bool]:
    """A where-clause on AllocationRequest for what `user` may see."""
    if sees_everything(user):
        return true()
    org = user.organisation
    if user.role == Role.SOCIAL_WORKER:
        return AllocationRequest.organisation_id == org.id
    if user.role in (Role.MANAGER, Role.TECHNICIAN) and org.kind == OrgKind.WORKSHOP_OPERATOR:
        return AllocationRequest.department_code.in_(served_departments(user))
    if user.role == Role.MANAGER and org.kind == OrgKind.COORDINATOR:
        from .territories import departments_of_region

        return AllocationRequest.department_code.in_(departments_of_region(org.region_code))
    return false()


def get_request(user: User, request_id: int) -> AllocationRequest:
    request = db.session.scalar(select(AllocationRequest).where(
        AllocationRequest.id == request_id, request_scope(user)))
    if request is None:
        raise NotFound("Aucune demande avec ce numéro dans votre périmètre.",
                       code="unknown-request")
    return request


def list_requests(user: User, *, statuses: tuple[str, ...] | None = None,
                  limit: int = 200) -> list[AllocationRequest]:
    query = select(AllocationRequest).where(request_scope(user))
    if statuses:
        query = query.where(AllocationRequest.status.in_(statuses))
    return list(db.session.scalars(query.order_by(AllocationRequest.id.desc()).limit(limit)))


def change_status(request: AllocationRequest, to: str, actor: User | None,
                  note: str | None = None, **values) -> None:
    """Move a request to `to` with a conditional update and log it. Does not commit."""
    current = request.status
    if to not in FLOW[current]:
        raise Conflict("Une demande « %(current)s » ne peut pas devenir « %(to)s ».",
                       params={"current": Term(STATUS_LABELS[current]),
                               "to": Term(STATUS_LABELS[to])},
                       code="request-status-conflict", current_status=current)
    now = utcnow()
    result = db.session.execute(
        update(AllocationRequest)
        .where(AllocationRequest.id == request.id, AllocationRequest.status == current,
               AllocationRequest.version == request.version)
        .values(status=to, version=AllocationRequest.version + 1, last_status_at=now, **values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.refresh(request)
        raise Conflict("Quelqu'un d'autre a modifié cette demande au même moment ; elle est "
                       "maintenant « %(status)s ».",
                       params={"status": Term(STATUS_LABELS[request.status])},
                       code="concurrent-request-change", current_status=request.status)
    db.session.add(StatusEvent(entity_type="request", entity_id=request.id, from_status=current,
                               to_status=to, actor_id=actor.id if actor else None, at=now,
                               note=note))
    request.beneficiary.last_activity_at = now
    db.session.flush()
    db.session.refresh(request)


def _commit(fn):
    """Run a use case in one transaction: commit on success, roll back on any error."""
    def wrapper(*args, **kwargs):
        try:
            result = fn(*args, **kwargs)
            db.session.commit()
            return result
        except Exception:
            db.session.rollback()
            raise

    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    return wrapper


@_commit
def create_request(user: User, beneficiary_id: int, device_kind: str, purpose: str,
                   urgency: str, notes: str | None = None) -> AllocationRequest:
    """A social worker asks a device for one of their structure's beneficiaries."""
    beneficiary = beneficiary_service.find_beneficiary(user, beneficiary_id)
    errors = {}
    if device_kind not in {k.value for k in DeviceKind}:
        errors["device_kind"] = [N_("Type d'appareil inconnu.")]
    if purpose not in PURPOSES:
        errors["purpose"] = [N_("Usage inconnu : choisissez dans la liste.")]
    if urgency not in URGENCY_CODES:
        errors["urgency"] = [N_("Catégorie d'urgence inconnue : voir la page des règles.")]
    if errors:
        raise Invalid("Certains champs sont à corriger.", errors=errors)
    if not beneficiary_service.is_eligible(beneficiary):
        until = beneficiary.eligible_until
        since = until + dt.timedelta(days=1) if until else None
        expired = {"beneficiary_id": [N_("Attestation d'éligibilité expirée.")]}
        if since is None:
            raise Invalid("L'attestation d'éligibilité n'a pas de date de fin : complétez-la.",
                          code="eligibility-expired", expired_since=None, errors=expired)
        raise Invalid("L'attestation d'éligibilité n'est plus valable depuis le %(since)s : "
                      "renouvelez-la avant de faire une demande.", params={"since": since},
                      code="eligibility-expired", expired_since=since.isoformat(), errors=expired)
    request = AllocationRequest(
        beneficiary_id=beneficiary.id, organisation_id=user.organisation_id,
        requested_by_id=user.id, device_kind=device_kind, purpose=purpose, urgency=urgency,
        department_code=beneficiary.department_code, notes=(notes or "").strip() or None,
        status=RequestStatus.SUBMITTED.value, last_status_at=utcnow())
    db.session.add(request)
    db.session.flush()
    db.session.add(StatusEvent(entity_type="request", entity_id=request.id, from_status=None,
                               to_status="submitted", actor_id=user.id))
    beneficiary.last_activity_at = utcnow()
    beneficiary_service.log_access(user, beneficiary, "request")
    return request


def _decider(user: User, request_id: int) -> AllocationRequest:
    if user.role not in DECIDERS:
        raise NotFound("Aucune demande avec ce numéro dans votre périmètre.",
                       code="unknown-request")
    return get_request(user, request_id)


@_commit
def approve(user: User, request_id: int) -> AllocationRequest:
    """A manager approves: the request joins the queue at today's date."""
    request = _decider(user, request_id)
    change_status(request, "approved", user, approved_at=utcnow(), decided_by_id=user.id)
    return request


@_commit
def reject(user: User, request_id: int, reason: str) -> AllocationRequest:
    """A manager rejects, always saying why."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("Indiquez la raison du refus : elle est montrée au travailleur social.",
                      errors={"reason": [N_("Obligatoire.")]})
    request = _decider(user, request_id)
    change_status(request, "rejected", user, note=reason, rejection_reason=reason[:2000],
                  decided_by_id=user.id)
    return request


@_commit
def contest(user: User, request_id: int, note: str) -> AllocationRequest:
    """The social worker contests a refusal; another manager will review it."""
    request = get_request(user, request_id)
    note = (note or "").strip()
    if user.role != Role.SOCIAL_WORKER:
        raise NotFound("Aucune demande avec ce numéro dans votre périmètre.")
    if request.status != "rejected":
        raise Conflict("Seule une demande refusée peut être contestée.", code="not-rejected")
    if request.contested_at is not None:
        raise Conflict("Ce refus a déjà été contesté.", code="already-contested")
    if not note:
        raise Invalid("Expliquez pourquoi vous contestez ce refus.",
                      errors={"note": [N_("Obligatoire.")]})
    change_status(request, "rejected", user, note="Refus contesté (motif dans la demande)",
                  contested_at=utcnow(), contest_note=note[:2000])
    return request


@_commit
def review(user: User, request_id: int, decision: str, note: str | None = None
           ) -> AllocationRequest:
    """Another manager than the one who rejected approves or confirms the refusal."""
    request = _decider(user, request_id)
    if request.status != "rejected" or request.contested_at is None:
        raise Conflict("Seul un refus contesté peut être réexaminé.", code="not-contested")
    if request.reviewed_at is not None:
        raise Conflict("Ce refus a déjà été réexaminé.", code="already-reviewed")
    if request.decided_by_id == user.id:
        raise Conflict("Le réexamen doit être fait par une autre personne que celle qui a "
                       "refusé.", code="same-reviewer")
    note = (note or "").strip() or None
    common = {"reviewed_by_id": user.id, "reviewed_at": utcnow(), "review_note": note}
    if decision == "approve":
        change_status(request, "approved", user, note="Réexamen : approuvée. " + (note or ""),
                      approved_at=utcnow(), **common)
    elif decision == "reject":
        change_status(request, "rejected", user, note="Réexamen : refus confirmé. "
                      + (note or ""), **common)
    else:
        raise Invalid("Choisissez : approuver ou confirmer le refus.",
                      errors={"decision": [N_("approve ou reject.")]})
    return request


@_commit
def cancel(user: User, request_id: int) -> AllocationRequest:
    request = get_request(user, request_id)
    if user.role != Role.SOCIAL_WORKER:
        raise NotFound("Aucune demande avec ce numéro dans votre périmètre.")
    change_status(request, "cancelled", user)
    return request


def history(request: AllocationRequest) -> list[StatusEvent]:
    return list(db.session.scalars(select(StatusEvent).where(
        StatusEvent.entity_type == "request", StatusEvent.entity_id == request.id)
        .order_by(StatusEvent.id)))


def pending_reviews(user: User) -> list[AllocationRequest]:
    """Contested refusals this manager may review (not their own decisions)."""
    return list(db.session.scalars(select(AllocationRequest).where(
        request_scope(user), AllocationRequest.status == "rejected",
        AllocationRequest.contested_at.is_not(None), AllocationRequest.reviewed_at.is_(None),
        or_(AllocationRequest.decided_by_id.is_(None),
            AllocationRequest.decided_by_id != user.id))))
