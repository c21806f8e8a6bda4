"""Accounts: passwords (argon2), logins, bearer tokens."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, select

from ..domain.models import ROLES_BY_ORG_KIND, ApiToken, Organisation, OrgKind, Role, User, utcnow
from ..errors import Invalid, NotFound
from ..extensions import db

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
        raise Invalid(f"Une organisation {organisation.kind} ne peut pas avoir d'utilisateur {role}.",
                      errors={"role": ["Non autorisé pour cette organisation."]})
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise Invalid("Cette adresse e-mail a déjà un compte.",
                      errors={"email": ["Déjà utilisée."]})
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
        raise NotFound(f"Aucun utilisateur avec l'adresse {email}.")
    return create_token(user, name)


# Built once: building and keying an ORM statement costs about as much as running it, and
# every API call with a bearer token runs this one.
_USER_OF_TOKEN = (select(User).join(ApiToken, ApiToken.user_id == User.id)
                  .where(ApiToken.token_hash == bindparam("token_hash"),
                         ApiToken.revoked_at.is_(None), User.is_active.is_(True)))


def user_for_token(token: str) -> User | None:
    """The active user of a live token, with its organisation, in one query."""
    return db.session.scalar(_USER_OF_TOKEN, {"token_hash": _digest(token)})


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
