"""Accounts: passwords (argon2), logins, bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, func, select

from ..domain.models import ROLES_BY_ORG_KIND, ApiToken, Organisation, OrgKind, Role, User, utcnow
from ..domain.stages import N_
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from .prepared import Prepared

_hasher = PasswordHasher()
# Verified when the e-mail is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("not a password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Records the login time."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def create_user(email: str, password: str, role: str, organisation: Organisation,
                name: str = "", site_id: int | None = None) -> User:
    email = email.strip().lower()
    if Role(role) not in ROLES_BY_ORG_KIND[OrgKind(organisation.kind)]:
        raise Invalid("Une organisation %(kind)s ne peut pas avoir d'utilisateur %(role)s.",
                      params={"kind": organisation.kind, "role": role},
                      errors={"role": [N_("Non autorisé pour cette organisation.")]})
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise Invalid("Cette adresse e-mail a déjà un compte.",
                      errors={"email": [N_("Déjà utilisée.")]})
    user = User(email=email, name=name, password_hash=hash_password(password), role=role,
                organisation_id=organisation.id, site_id=site_id)
    db.session.add(user)
    db.session.commit()
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str = "scanner") -> str:
    """A new bearer token; the clear value is returned once and never stored."""
    token = "clt_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, name=name[:100] or "token",
                            token_hash=_digest(token), prefix=token[:12]))
    db.session.commit()
    return token


def create_token_for_email(email: str, name: str = "cli") -> str:
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound("Aucun utilisateur avec l'adresse %(email)s.", params={"email": email})
    return create_token(user, name)


@dataclass(frozen=True, slots=True)
class OrganisationRef:
    """What scoping needs of the caller's organisation (see services.access.scope_key)."""

    id: int
    kind: str
    name: str
    region_code: str | None


@dataclass(frozen=True, slots=True)
class Caller:
    """The user behind a bearer token, read as one row with its organisation. Scans (the hot
    path) and scoping need no more: loading ORM objects for them cost a third of a scan.
    `account()` gives the ORM User to the use cases that need one. Follows Flask-Login's user
    protocol, so that `current_user` is the caller during an API call."""

    id: int
    email: str
    name: str
    role: str
    organisation_id: int
    site_id: int | None
    locale: str | None
    organisation: OrganisationRef

    is_authenticated = True
    is_active = True  # the token query only finds active users
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    def account(self) -> User:
        """The ORM User, from the session's identity map or one primary-key read."""
        user = db.session.get(User, self.id)
        if user is None or not user.is_active:  # deleted or deactivated during this call
            from flask import abort

            abort(401)
        return user


_U, _O, _T = User.__table__.c, Organisation.__table__.c, ApiToken.__table__.c
# Built once, as a Core statement sent on the driver's cursor (see services.prepared): every API
# call with a bearer token runs this one.
_CALLER_OF_TOKEN = Prepared(
    select(_U.id, _U.email, _U.name, _U.role, _U.organisation_id, _U.site_id, _U.locale,
           _O.kind, _O.name.label("organisation_name"), _O.region_code)
    .select_from(User.__table__.join(ApiToken.__table__, _T.user_id == _U.id)
                 .join(Organisation.__table__, _O.id == _U.organisation_id))
    .where(_T.token_hash == bindparam("token_hash"), _T.revoked_at.is_(None),
           _U.is_active.is_(True)))


def caller_for_token(token: str) -> Caller | None:
    """The active user of a live token, with its organisation, in one Core query."""
    row = _CALLER_OF_TOKEN.first(db.session.connection(), {"token_hash": _digest(token)})
    if row is None:
        return None
    user_id, email, name, role, organisation_id, site_id, locale, *organisation = row
    return Caller(user_id, email, name, role, organisation_id, site_id, locale,
                  OrganisationRef(organisation_id, *organisation))


def user_for_token(token: str) -> User | None:
    """The ORM User of a live token (the CLI and tests); API calls use caller_for_token."""
    caller = caller_for_token(token)
    return db.session.get(User, caller.id) if caller else None


def list_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                          ApiToken.revoked_at.is_(None))
                                   .order_by(ApiToken.created_at.desc())))


def revoke_token(user: User, token_id: int) -> None:
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound("Jeton inconnu.")
    row.revoked_at = utcnow()
    db.session.commit()


# -- managing accounts: who may change whom ---------------------------------------------------
# A manager edits the accounts of its own organisation; an admin edits everyone's. Admin accounts
# are held by admins only: a manager neither sees nor changes them and cannot grant the role, no
# one changes their own role or deactivates themselves, the last active admin stays one, and
# an admin's e-mail (the key to a password reset) is changed by that admin only.


@dataclass
class UserChanges:
    """What an account editor may change; organisation, ids and password are not here."""

    name: str
    email: str
    role: str
    is_active: bool


def _may_manage(actor: User, target: User) -> bool:
    if actor.role == Role.ADMIN:
        return True
    return (actor.role == Role.MANAGER and target.organisation_id == actor.organisation_id
            and target.role != Role.ADMIN)


def managed_users(actor: User) -> list[User]:
    """The accounts `actor` may edit (their organisation's for a manager; all for an admin)."""
    query = select(User).order_by(User.organisation_id, User.email)
    if actor.role == Role.ADMIN:
        return list(db.session.scalars(query))
    if actor.role != Role.MANAGER:
        raise NotFound("Page inconnue.")
    return list(db.session.scalars(query.where(User.organisation_id == actor.organisation_id,
                                               User.role != Role.ADMIN)))


def get_managed_user(actor: User, user_id: int) -> User:
    target = db.session.get(User, user_id)
    if target is None or actor.role not in (Role.ADMIN, Role.MANAGER) \
            or not _may_manage(actor, target):
        raise NotFound("Utilisateur inconnu.", code="unknown-user")
    return target


def _active_admins() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.ADMIN, User.is_active.is_(True))) or 0


def update_user(actor: User, user_id: int, changes: UserChanges) -> User:
    """Change an account's name, e-mail, role or activity, under the rules above."""
    target = get_managed_user(actor, user_id)
    email = changes.email.strip().lower()
    role_changes = changes.role != target.role
    errors: dict[str, list[str]] = {}
    if target.id == actor.id and role_changes:
        errors["role"] = [N_("Personne ne change son propre rôle : demandez à un administrateur.")]
    if target.id == actor.id and not changes.is_active:
        errors["is_active"] = [N_("Vous ne pouvez pas désactiver votre propre compte.")]
    if role_changes and changes.role == Role.ADMIN and actor.role != Role.ADMIN:
        errors["role"] = [N_("Seul un administrateur peut donner le rôle administrateur.")]
    org_kind = OrgKind(target.organisation.kind)
    if changes.role not in {r.value for r in ROLES_BY_ORG_KIND[org_kind]}:
        errors.setdefault("role", []).append(N_("Ce rôle n'existe pas dans cette organisation."))
    if (email != target.email and target.role == Role.ADMIN and target.id != actor.id):
        errors["email"] = [N_("Seul le titulaire d'un compte administrateur change son adresse.")]
    if email != target.email and db.session.scalar(select(User.id).where(User.email == email)):
        errors.setdefault("email", []).append(N_("Cette adresse a déjà un compte."))
    if errors:
        raise Invalid("Le compte n'a pas été modifié : voyez les champs signalés.",
                      code="user-refused", errors=errors)
    leaves_admins = target.role == Role.ADMIN and target.is_active and (
        role_changes or not changes.is_active)
    if leaves_admins and _active_admins() <= 1:
        raise Conflict("C'est le dernier administrateur actif : nommez-en un autre d'abord.",
                       code="last-admin")
    target.name, target.email = changes.name.strip(), email
    target.role, target.is_active = changes.role, changes.is_active
    db.session.commit()
    return target
