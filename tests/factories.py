"""Factories that speak the domain: organisations, users and devices at any stage."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from collecte.domain.codes import new_code
from collecte.domain.models import (
    Allocation,
    AllocationRequest,
    Beneficiary,
    Device,
    ErasureRecord,
    FunctionalCheck,
    Organisation,
    OrgKind,
    Pledge,
    ResetRecord,
    Site,
    StageEvent,
    StorageMedium,
    User,
    utcnow,
)
from collecte.services.users import hash_password

_counter = itertools.count(1)
# Hashing with argon2 costs ~50 ms: hash the shared test password once.
_PASSWORD_HASH = None


def _password_hash() -> str:
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = hash_password("password")
    return _PASSWORD_HASH


@dataclass
class World:
    """Two operators, donors, partners with a user of each role: own and other ids."""

    operator: Organisation
    other_operator: Organisation
    site: Site
    other_site: Site
    donor_org: Organisation
    other_donor_org: Organisation
    partner: Organisation
    other_partner: Organisation
    coordinator: Organisation
    tech: User
    other_tech: User
    manager: User
    other_manager: User
    national_manager: User
    donor: User
    other_donor: User
    social: User
    other_social: User
    admin: User


class Factory:
    def __init__(self, session):
        self.session = session

    def _save(self, obj):
        self.session.add(obj)
        self.session.commit()
        return obj

    def org(self, kind: OrgKind | str = OrgKind.WORKSHOP_OPERATOR, name: str | None = None,
            **fields) -> Organisation:
        kind = OrgKind(kind)
        return self._save(Organisation(kind=kind.value,
                                       name=name or f"{kind.value} {next(_counter)}", **fields))

    def site(self, operator: Organisation, department_code: str = "91", **fields) -> Site:
        return self._save(Site(operator_id=operator.id, name=fields.pop("name", None)
                               or f"Site {next(_counter)}", department_code=department_code,
                               **fields))

    def user(self, role: str, organisation: Organisation, email: str | None = None,
             **fields) -> User:
        n = next(_counter)
        return self._save(User(email=email or f"{role}{n}@example.org", name=f"{role} {n}",
                               password_hash=_password_hash(), role=role,
                               organisation_id=organisation.id, **fields))

    def device(self, stage: str = "received", *, operator: Organisation | None = None,
               site: Site | None = None, donor: Organisation | None = None,
               kind: str = "laptop", with_history: bool = True, **fields) -> Device:
        """A device already at `stage` (as if earlier moves happened), with one creation event."""
        if site is not None and operator is None:
            operator = self.session.get(Organisation, site.operator_id)
        if site is None and operator is not None and stage not in ("pledged", "cancelled"):
            site = operator.sites[0] if operator.sites else self.site(operator)
        device = Device(code=fields.pop("code", None) or new_code(), kind=kind,
                        make=fields.pop("make", "Lenovo"), model=fields.pop("model", "T480"),
                        serial=fields.pop("serial", f"SN{next(_counter):06d}"), stage=stage,
                        operator_id=operator.id if operator else None,
                        site_id=site.id if site else None,
                        donor_id=donor.id if donor else None, **fields)
        self._save(device)
        if with_history:
            self._save(StageEvent(device_id=device.id, from_stage=None, to_stage=stage,
                                  site_id=device.site_id))
        return device

    def erased_medium(self, device: Device, level: str = "purge",
                      verification: str = "passed") -> StorageMedium:
        medium = self._save(StorageMedium(device_id=device.id, medium_type="ssd",
                                          serial=f"M{next(_counter)}", capacity_gb=256))
        self._save(ErasureRecord(device_id=device.id, medium_id=medium.id, level=level,
                                 technique="block erase", tool="nwipe", tool_version="0.37",
                                 verification=verification))
        return medium

    def reset_record(self, device: Device) -> ResetRecord:
        return self._save(ResetRecord(device_id=device.id, factory_reset=True,
                                      activation_lock_released=True))

    def functional_check(self, device: Device, grade: str = "B", passed: bool = True):
        check = self._save(FunctionalCheck(device_id=device.id, checklist={"boot": passed},
                                           passed=passed, grade=grade))
        device.grade = grade
        self.session.commit()
        return check

    def pledge(self, donor: Organisation, **fields) -> Pledge:
        return self._save(Pledge(donor_id=donor.id, **fields))

    def beneficiary(self, partner: Organisation, **fields) -> Beneficiary:
        today = dt.date.today()
        defaults = dict(reference=f"B-{next(_counter)}", commune_code="91228",
                        department_code="91", eligibility_criterion="rsa",
                        attested_at=today, eligible_until=today + dt.timedelta(days=365))
        defaults.update(fields)
        return self._save(Beneficiary(organisation_id=partner.id, **defaults))

    def approved_request(self, partner: Organisation, kind: str = "laptop",
                         **fields) -> AllocationRequest:
        beneficiary = fields.pop("beneficiary", None) or self.beneficiary(partner)
        defaults = dict(device_kind=kind, purpose="job_search", urgency="standard",
                        department_code="91", status="approved", approved_at=utcnow())
        defaults.update(fields)
        return self._save(AllocationRequest(beneficiary_id=beneficiary.id,
                                            organisation_id=partner.id, **defaults))

    def allocation(self, request: AllocationRequest, device: Device, **fields) -> Allocation:
        code = fields.pop("pickup_code", None) or f"P{next(_counter):05d}"
        return self._save(Allocation(request_id=request.id, device_id=device.id,
                                     pickup_code=code, **fields))

    def world(self) -> World:
        operator = self.org(OrgKind.WORKSHOP_OPERATOR, "Atelier A")
        other_operator = self.org(OrgKind.WORKSHOP_OPERATOR, "Atelier B")
        site = self.site(operator, "91")
        other_site = self.site(other_operator, "69")
        donor_org = self.org(OrgKind.DONOR_COMPANY, "Donateur A")
        other_donor_org = self.org(OrgKind.DONOR_MUNICIPALITY, "Commune B")
        partner = self.org(OrgKind.SOCIAL_PARTNER, "CCAS A", department_code="91")
        other_partner = self.org(OrgKind.SOCIAL_PARTNER, "Asso B", department_code="69")
        coordinator = self.org(OrgKind.COORDINATOR, "Coordination")
        return World(
            operator=operator, other_operator=other_operator, site=site,
            other_site=other_site, donor_org=donor_org, other_donor_org=other_donor_org,
            partner=partner, other_partner=other_partner, coordinator=coordinator,
            tech=self.user("technician", operator, site_id=site.id),
            other_tech=self.user("technician", other_operator, site_id=other_site.id),
            manager=self.user("manager", operator),
            other_manager=self.user("manager", other_operator),
            national_manager=self.user("manager", coordinator),
            donor=self.user("donor", donor_org),
            other_donor=self.user("donor", other_donor_org),
            social=self.user("social_worker", partner),
            other_social=self.user("social_worker", other_partner),
            admin=self.user("admin", coordinator),
        )
