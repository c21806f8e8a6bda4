"""Beneficiaries: minimal pseudonymous records held by one social partner; every read logged."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from ..domain.models import (
    Allocation,
    AllocationRequest,
    Beneficiary,
    BeneficiaryAccess,
    OrgKind,
    Role,
    StatusEvent,
    User,
    utcnow,
)
from ..domain.stages import N_
from ..errors import Invalid, Message, NotFound
from ..extensions import db

# Configurable with COLLECTE_ELIGIBILITY_CRITERIA in config (code: label); "other" needs a word.
ELIGIBILITY_CRITERIA: dict[str, str] = {
    "rsa": N_("RSA (revenu de solidarité active)"),
    "ass": N_("ASS (allocation de solidarité spécifique)"),
    "aah": N_("AAH (allocation aux adultes handicapés)"),
    "aspa": N_("Minimum vieillesse (ASPA)"),
    "job_seeker": N_("Demandeur ou demandeuse d'emploi"),
    "student_grant": N_("Étudiant ou étudiante boursier"),
    "refugee": N_("Personne réfugiée ou protégée"),
    "other": N_("Autre (préciser en un mot)"),
}
HOUSEHOLD_CATEGORIES: dict[str, str] = {
    "single": N_("Personne seule"),
    "single_parent": N_("Famille monoparentale"),
    "couple": N_("Couple sans enfant"),
    "couple_children": N_("Couple avec enfants"),
    "shared": N_("Hébergé ou colocation"),
    "other": N_("Autre situation"),
}
ACCESSIBILITY_NEEDS: dict[str, str] = {
    "large_screen": N_("Grand écran"),
    "keyboard_layout": N_("Clavier français (AZERTY) indispensable"),
    "screen_reader": N_("Lecteur d'écran"),
    "lightweight": N_("Appareil léger"),
    "large_keys": N_("Grosses touches ou clavier adapté"),
}
COMMUNE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


def criteria() -> dict[str, str]:
    return current_app.config.get("ELIGIBILITY_CRITERIA") or ELIGIBILITY_CRITERIA


def department_of_commune(commune_code: str) -> str:
    """INSEE commune code → département code (97x overseas, 2A/2B Corsica)."""
    return commune_code[:3] if commune_code.startswith("97") else commune_code[:2]


@dataclass
class BeneficiaryData:
    reference: str
    commune_code: str
    eligibility_criterion: str
    attested_at: dt.date
    eligible_until: dt.date
    household_category: str | None = None
    accessibility_needs: tuple[str, ...] = ()
    eligibility_other: str | None = None

    def validate(self) -> None:
        errors: dict[str, list[str]] = {}
        if not self.reference.strip():
            errors["reference"] = [N_("Choisissez une référence (un pseudonyme, pas un nom).")]
        if not COMMUNE_CODE.match(self.commune_code or ""):
            errors["commune_code"] = [N_("Le code INSEE de la commune a 5 caractères, "
                                      "par exemple 91228.")]
        if self.eligibility_criterion not in criteria():
            errors["eligibility_criterion"] = [N_("Critère inconnu : choisissez dans la liste.")]
        elif self.eligibility_criterion == "other" and not (self.eligibility_other or "").strip():
            errors["eligibility_other"] = [N_("Précisez le critère en un mot.")]
        if self.household_category and self.household_category not in HOUSEHOLD_CATEGORIES:
            errors["household_category"] = [N_("Situation inconnue : choisissez dans la liste.")]
        unknown = [n for n in self.accessibility_needs if n not in ACCESSIBILITY_NEEDS]
        if unknown:
            errors["accessibility_needs"] = [Message("Besoin inconnu : %(needs)s.",
                                                     needs=", ".join(unknown))]
        if self.eligible_until < self.attested_at:
            errors["eligible_until"] = [N_("La fin de validité doit suivre la date d'attestation.")]
        if self.attested_at > dt.date.today():
            errors["attested_at"] = [N_("La date d'attestation ne peut pas être dans le futur.")]
        if errors:
            raise Invalid("Certains champs sont à corriger.", errors=errors)


def _require_social_worker(user: User) -> None:
    if user.role != Role.SOCIAL_WORKER or user.organisation.kind != OrgKind.SOCIAL_PARTNER:
        raise NotFound("Cette page n'existe pas.")


def create_beneficiary(user: User, data: BeneficiaryData) -> Beneficiary:
    """Record a beneficiary for the social worker's own structure, attested by them."""
    _require_social_worker(user)
    data.validate()
    beneficiary = Beneficiary(
        organisation_id=user.organisation_id, reference=data.reference.strip()[:60],
        commune_code=data.commune_code,
        department_code=department_of_commune(data.commune_code),
        household_category=data.household_category or None,
        accessibility_needs=list(dict.fromkeys(data.accessibility_needs)),
        eligibility_criterion=data.eligibility_criterion,
        eligibility_other=(data.eligibility_other or "").strip()[:100] or None
        if data.eligibility_criterion == "other" else None,
        attested_by_id=user.id, attested_at=data.attested_at,
        eligible_until=data.eligible_until, last_activity_at=utcnow())
    db.session.add(beneficiary)
    db.session.commit()
    return beneficiary


def find_beneficiary(user: User, beneficiary_id: int) -> Beneficiary:
    """The beneficiary if `user` is a social worker of the holding structure; not logged."""
    beneficiary = db.session.get(Beneficiary, beneficiary_id)
    if (beneficiary is None or user.role != Role.SOCIAL_WORKER
            or beneficiary.organisation_id != user.organisation_id
            or beneficiary.anonymised_at is not None):
        raise NotFound("Aucun bénéficiaire avec ce numéro dans votre structure.",
                       code="unknown-beneficiary")
    return beneficiary


def log_access(user: User, beneficiary: Beneficiary, action: str = "read") -> None:
    db.session.add(BeneficiaryAccess(beneficiary_id=beneficiary.id, user_id=user.id,
                                     action=action))


def read_beneficiary(user: User, beneficiary_id: int) -> Beneficiary:
    """The use case "open a record": the read is logged (who, when) and committed."""
    beneficiary = find_beneficiary(user, beneficiary_id)
    log_access(user, beneficiary)
    db.session.commit()
    return beneficiary


def list_beneficiaries(user: User) -> list[Beneficiary]:
    """The structure's beneficiaries (references only, for choosing one; not logged as reads)."""
    if user.role != Role.SOCIAL_WORKER:
        return []
    return list(db.session.scalars(
        select(Beneficiary).where(Beneficiary.organisation_id == user.organisation_id,
                                  Beneficiary.anonymised_at.is_(None))
        .order_by(Beneficiary.reference)))


def accesses(beneficiary: Beneficiary) -> list[BeneficiaryAccess]:
    return list(db.session.scalars(select(BeneficiaryAccess)
                                   .where(BeneficiaryAccess.beneficiary_id == beneficiary.id)
                                   .order_by(BeneficiaryAccess.at)))


def is_eligible(beneficiary: Beneficiary, on: dt.date | None = None) -> bool:
    on = on or dt.date.today()
    return beneficiary.eligible_until is not None and beneficiary.eligible_until >= on


def export_data(user: User, beneficiary_id: int) -> dict:
    """Everything held on one beneficiary (GDPR access request), as plain data. Logged."""
    beneficiary = find_beneficiary(user, beneficiary_id)
    log_access(user, beneficiary, "export")
    db.session.commit()
    requests = list(db.session.scalars(select(AllocationRequest).where(
        AllocationRequest.beneficiary_id == beneficiary.id).order_by(AllocationRequest.id)))
    ids = [r.id for r in requests]
    events = list(db.session.scalars(select(StatusEvent).where(
        StatusEvent.entity_type == "request", StatusEvent.entity_id.in_(ids))
        .order_by(StatusEvent.id))) if ids else []
    allocations = list(db.session.scalars(select(Allocation).where(
        Allocation.request_id.in_(ids)).order_by(Allocation.id))) if ids else []

    def when(value):
        return value.isoformat() if value else None

    return {
        "beneficiary": {
            "id": beneficiary.id, "reference": beneficiary.reference,
            "organisation": beneficiary.organisation.name,
            "commune_code": beneficiary.commune_code,
            "department_code": beneficiary.department_code,
            "household_category": beneficiary.household_category,
            "accessibility_needs": list(beneficiary.accessibility_needs or []),
            "eligibility_criterion": beneficiary.eligibility_criterion,
            "eligibility_other": beneficiary.eligibility_other,
            "attested_at": when(beneficiary.attested_at),
            "eligible_until": when(beneficiary.eligible_until),
            "created_at": when(beneficiary.created_at),
            "last_activity_at": when(beneficiary.last_activity_at)},
        "requests": [{
            "id": r.id, "device_kind": r.device_kind, "purpose": r.purpose,
            "urgency": r.urgency, "status": r.status, "notes": r.notes,
            "submitted_at": when(r.submitted_at), "approved_at": when(r.approved_at),
            "rejection_reason": r.rejection_reason, "contest_note": r.contest_note,
            "contested_at": when(r.contested_at), "review_note": r.review_note} for r in requests],
        "status_history": [{"request_id": e.entity_id, "from": e.from_status,
                            "to": e.to_status, "at": when(e.at), "note": e.note}
                           for e in events],
        "allocations": [{"request_id": a.request_id, "device_code": a.device.printed_code,
                         "device": a.device.title, "reserved_at": when(a.reserved_at),
                         "handed_over_at": when(a.handed_over_at),
                         "released_at": when(a.released_at)} for a in allocations],
        "accesses": [{"user": (a.user.name or a.user.email) if a.user else None,
                      "action": a.action, "at": when(a.at)} for a in accesses(beneficiary)],
        "exported_at": when(utcnow()),
    }


def export_pdf(data: dict) -> bytes:
    """The same export as a PDF (WeasyPrint), for a person who asked on paper."""
    from flask import render_template
    from weasyprint import HTML

    html = render_template("social/export_pdf.html", data=data)
    return HTML(string=html, base_url=current_app.config["PUBLIC_URL"]).write_pdf(
        pdf_variant="pdf/ua-1", lang="fr")
