"""Donor organisations: self-service signup (SIRET or INSEE code checked) and approval."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from stdnum.exceptions import ValidationError
from stdnum.fr import siret as stdnum_siret

from ..domain.models import Organisation, OrgKind, Role, StatusEvent, User
from ..domain.stages import N_
from ..errors import Invalid, NotFound
from ..extensions import db
from .mail import queue_mail
from .users import hash_password

_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_EPCI = re.compile(r"^\d{9}$")  # an intercommunality is identified by its SIREN


@dataclass
class Signup:
    kind: str
    name: str
    siret: str = ""
    insee_code: str = ""
    department_code: str = ""
    user_name: str = ""
    email: str = ""
    password: str = ""


def check_siret(value: str) -> str:
    """The SIRET without spaces, or Invalid saying what is wrong (length or check digit)."""
    compact = stdnum_siret.compact(value or "")
    try:
        return stdnum_siret.validate(compact)
    except ValidationError as exc:
        if not compact.isdigit() or len(compact) != 14:
            message = N_("Un SIRET compte 14 chiffres.")
        else:
            message = N_("Ce SIRET n'est pas valide : sa clé de contrôle ne correspond pas.")
        raise Invalid(message, code="invalid-siret", errors={"siret": [message]}) from exc


def signup(data: Signup) -> User:
    """A new, unapproved donor organisation with its first donor user; managers are told."""
    errors: dict[str, list[str]] = {}
    if data.kind not in (OrgKind.DONOR_COMPANY, OrgKind.DONOR_MUNICIPALITY):
        errors["kind"] = [N_("Choisissez entreprise ou collectivité.")]
    if not data.name.strip():
        errors["name"] = [N_("Indiquez le nom de l'organisation.")]
    siret = None
    if data.kind == OrgKind.DONOR_COMPANY:
        try:
            siret = check_siret(data.siret)
        except Invalid as exc:
            errors.update(exc.errors)
    insee = (data.insee_code or "").strip().upper()
    if data.kind == OrgKind.DONOR_MUNICIPALITY and not (_INSEE.match(insee) or _EPCI.match(insee)):
        errors["insee_code"] = [N_("Indiquez le code INSEE de la commune (5 caractères, par exemple "
                                "91228) ou le SIREN de l'intercommunalité (9 chiffres).")]
    if len(data.password or "") < 10:
        errors["password"] = [N_("Au moins 10 caractères.")]
    email = (data.email or "").strip().lower()
    if "@" not in email:
        errors["email"] = [N_("Adresse e-mail invalide.")]
    elif db.session.scalar(select(User.id).where(User.email == email)):
        errors["email"] = [N_("Cette adresse e-mail a déjà un compte : connectez-vous.")]
    if errors:
        raise Invalid("L'inscription n'est pas complète.", code="invalid-signup", errors=errors)
    department = (data.department_code or "").strip().upper() or (
        insee[:3] if insee.startswith("97") else insee[:2] if len(insee) == 5 else None)
    org = Organisation(kind=data.kind, name=data.name.strip(), siret=siret,
                       insee_code=insee if len(insee) == 5 else None,
                       department_code=department, is_approved=False)
    db.session.add(org)
    db.session.flush()
    user = User(email=email, name=data.user_name.strip(), password_hash=hash_password(
        data.password), role=Role.DONOR.value, organisation_id=org.id)
    db.session.add(user)
    db.session.add(StatusEvent(entity_type="organisation", entity_id=org.id, from_status=None,
                               to_status="pending_approval", note=insee if len(insee) == 9
                               else None))
    for manager in db.session.scalars(select(User).join(Organisation).where(
            User.role == Role.MANAGER, Organisation.kind == OrgKind.COORDINATOR,
            User.is_active.is_(True))):
        queue_mail(manager.email, f"Nouveau donateur à valider : {org.name}",
                   f"{org.name} s'est inscrit comme donateur. Validez-le depuis Collecte.")
    db.session.commit()
    return user


def pending(user: User) -> list[Organisation]:
    _require_manager(user)
    return list(db.session.scalars(select(Organisation).where(
        Organisation.is_approved.is_(False)).order_by(Organisation.id)))


def _require_manager(user: User) -> None:
    if user.role not in (Role.MANAGER, Role.ADMIN):
        raise NotFound("Page inconnue.")


def approve(user: User, org_id: int) -> Organisation:
    """A manager validates a donor organisation; its users are told by mail."""
    _require_manager(user)
    org = db.session.get(Organisation, org_id)
    if org is None or not OrgKind(org.kind).is_donor:
        raise NotFound("Organisation inconnue.")
    if not org.is_approved:
        org.is_approved = True
        db.session.add(StatusEvent(entity_type="organisation", entity_id=org.id,
                                   from_status="pending_approval", to_status="approved",
                                   actor_id=user.id))
        for member in db.session.scalars(select(User).where(User.organisation_id == org.id)):
            queue_mail(member.email, "Votre organisation est validée",
                       f"{org.name} est validée : vous pouvez promettre un don dans Collecte.")
    db.session.commit()
    return org


def is_waiting(user: User) -> bool:
    return user.role == Role.DONOR and not user.organisation.is_approved

