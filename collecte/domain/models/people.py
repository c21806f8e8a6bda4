"""Organisations, workshop sites, users and their API tokens."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, created_at_column, in_values


class OrgKind(enum.StrEnum):
    DONOR_COMPANY = "donor_company"
    DONOR_MUNICIPALITY = "donor_municipality"
    WORKSHOP_OPERATOR = "workshop_operator"
    SOCIAL_PARTNER = "social_partner"
    # The programme's coordination (national, or regional when region_code is set): its managers
    # follow the whole network or one région rather than one operator.
    COORDINATOR = "coordinator"

    @property
    def is_donor(self) -> bool:
        return self in (OrgKind.DONOR_COMPANY, OrgKind.DONOR_MUNICIPALITY)


class Role(enum.StrEnum):
    DONOR = "donor"
    TECHNICIAN = "technician"
    SOCIAL_WORKER = "social_worker"
    MANAGER = "manager"
    ADMIN = "admin"


# Which roles a user of each kind of organisation may hold (admins belong to the coordinator).
ROLES_BY_ORG_KIND = {
    OrgKind.DONOR_COMPANY: {Role.DONOR},
    OrgKind.DONOR_MUNICIPALITY: {Role.DONOR},
    OrgKind.WORKSHOP_OPERATOR: {Role.TECHNICIAN, Role.MANAGER},
    OrgKind.SOCIAL_PARTNER: {Role.SOCIAL_WORKER},
    OrgKind.COORDINATOR: {Role.MANAGER, Role.ADMIN},
}


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (CheckConstraint(in_values("kind", OrgKind), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    siret: Mapped[str | None] = mapped_column(String(14))
    insee_code: Mapped[str | None] = mapped_column(String(5))  # commune, for municipalities
    department_code: Mapped[str | None] = mapped_column(String(3))
    region_code: Mapped[str | None] = mapped_column(String(3))  # regional coordinators
    is_approved: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = created_at_column()

    sites: Mapped[list[Site]] = relationship(back_populates="operator", order_by="Site.id")

    @property
    def kind_enum(self) -> OrgKind:
        return OrgKind(self.kind)


site_territories = Table(
    "site_territories",
    Base.metadata,
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
    Column("department_code", String(3), primary_key=True),
)


class Site(Base):
    """A workshop location of an operator; it serves its own département and any listed."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    department_code: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[dt.datetime] = created_at_column()

    operator: Mapped[Organisation] = relationship(back_populates="sites")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(in_values("role", Role), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))  # a technician's bench
    locale: Mapped[str | None] = mapped_column(String(5))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    last_login_at: Mapped[dt.datetime | None]

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    site: Mapped[Site | None] = relationship()

    # Flask-Login's protocol, kept here so the web layer needs no wrapper class.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class ApiToken(Base):
    """A bearer token for a scanner or an integration; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = created_at_column()
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()
