"""Who may see what: every query of a scoped object goes through one of these filters."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true

from ..domain.models import Allocation, AllocationRequest, Device, OrgKind, Role, Site, User


def sees_everything(user: User) -> bool:
    """Admins, and managers of the national coordination (no région set)."""
    if user.role == Role.ADMIN:
        return True
    org = user.organisation
    return (user.role == Role.MANAGER and org.kind == OrgKind.COORDINATOR
            and not org.region_code)


def scope_key(user: User) -> tuple:
    """Everything device_scope() depends on: users with the same key see the same devices
    (services.stages keeps its scan query per key)."""
    org = user.organisation
    return (user.role, org.id, org.kind, org.region_code)


def device_scope(user: User) -> ColumnElement[bool]:
    """A where-clause on Device for what `user` may see. Depends on scope_key(user) only."""
    if sees_everything(user):
        return true()
    org = user.organisation
    if user.role == Role.DONOR:
        return Device.donor_id == org.id
    if user.role in (Role.TECHNICIAN, Role.MANAGER) and org.kind == OrgKind.WORKSHOP_OPERATOR:
        return Device.operator_id == org.id
    if user.role == Role.MANAGER and org.kind == OrgKind.COORDINATOR:
        # A regional coordinator: the devices at sites of its région's départements.
        from .territories import departments_of_region

        codes = departments_of_region(org.region_code)
        return Device.site_id.in_(select(Site.id).where(Site.department_code.in_(codes)))
    if user.role == Role.SOCIAL_WORKER:
        # Only the devices reserved for or handed to its own structure's requests.
        mine = (select(Allocation.device_id)
                .join(AllocationRequest, AllocationRequest.id == Allocation.request_id)
                .where(AllocationRequest.organisation_id == org.id))
        return Device.id.in_(mine)
    return false()


def site_scope(user: User) -> ColumnElement[bool]:
    if sees_everything(user):
        return true()
    if user.organisation.kind == OrgKind.WORKSHOP_OPERATOR:
        return Site.operator_id == user.organisation_id
    return false()
