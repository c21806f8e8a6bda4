"""Demo data: one organisation of each kind, one user per role, devices at every stage."""

from __future__ import annotations

import datetime as dt
import random
import secrets

from sqlalchemy import func, select

from ..domain.codes import new_code
from ..domain.models import (
    Allocation,
    AllocationRequest,
    Beneficiary,
    Device,
    ErasureRecord,
    FunctionalCheck,
    Organisation,
    OrgKind,
    Pledge,
    PledgeStatus,
    RequestStatus,
    ResetRecord,
    Site,
    StageEvent,
    StorageMedium,
    User,
    utcnow,
)
from ..domain.stages import KINDS_WITH_STORAGE, Stage
from ..extensions import db
from . import counters, stages
from .users import hash_password

DEMO_PASSWORD = "demo"  # noqa: S105 - printed on the console by design: demo accounts only
DEMO_USERS = [
    ("donor@demo.test", "donor"),
    ("tech@demo.test", "technician"),
    ("social@demo.test", "social_worker"),
    ("manager@demo.test", "manager"),
    ("admin@demo.test", "admin"),
]
OPERATOR_NAME = "Atelier Démo Reconditionnement"

# Where demo devices end up, and how many of each (about 200 in all, every stage present).
_TARGETS = [
    (Stage.PLEDGED, 20), (Stage.RECEIVED, 18), (Stage.DIAGNOSED, 15), (Stage.WIPED, 15),
    (Stage.REFURBISHED, 12), (Stage.CHECKED, 12), (Stage.READY, 30), (Stage.RESERVED, 8),
    (Stage.ALLOCATED, 45), (Stage.RETURNED, 4), (Stage.PARTS, 8), (Stage.RECYCLED, 6),
    (Stage.CANCELLED, 4), (Stage.LOST, 3),
]
_PATH = [Stage.RECEIVED, Stage.DIAGNOSED, Stage.WIPED, Stage.REFURBISHED, Stage.CHECKED,
         Stage.READY, Stage.RESERVED, Stage.ALLOCATED, Stage.RETURNED]
_MODELS = {
    "laptop": [("Lenovo", "ThinkPad T480"), ("Dell", "Latitude 5490"), ("HP", "EliteBook 840 G5"),
               ("Apple", "MacBook Air 2017")],
    "desktop": [("Dell", "OptiPlex 7060"), ("HP", "ProDesk 600 G4"), ("Lenovo", "ThinkCentre M720")],
    "tablet": [("Samsung", "Galaxy Tab A7"), ("Apple", "iPad 7")],
    "smartphone": [("Samsung", "Galaxy A52"), ("Apple", "iPhone 8"), ("Fairphone", "3")],
    "monitor": [("Dell", "P2419H"), ("Iiyama", "ProLite XU2493")],
}
_KIND_WEIGHTS = [("laptop", 50), ("desktop", 20), ("tablet", 10), ("smartphone", 15),
                 ("monitor", 5)]


def _org(kind: OrgKind, name: str, **fields) -> Organisation:
    org = Organisation(kind=kind.value, name=name, **fields)
    db.session.add(org)
    return org


def seed(device_count: int = 200, seed_value: int = 2027) -> dict:
    """Create the demo data unless it is already there; returns what it did."""
    existing = db.session.scalar(select(Organisation).where(Organisation.name == OPERATOR_NAME))
    if existing is not None:
        count = db.session.scalar(select(func.count(Device.id))) or 0
        return {"created": False, "devices": count}
    rng = random.Random(seed_value)
    company = _org(OrgKind.DONOR_COMPANY, "Entreprise Démo SA", siret="73282932000074",
                   department_code="92")
    town = _org(OrgKind.DONOR_MUNICIPALITY, "Ville de Démoville", insee_code="91228",
                department_code="91")
    operator = _org(OrgKind.WORKSHOP_OPERATOR, OPERATOR_NAME, department_code="91")
    partner = _org(OrgKind.SOCIAL_PARTNER, "CCAS de Démoville", department_code="91")
    coordinator = _org(OrgKind.COORDINATOR, "Coordination nationale (démo)")
    db.session.flush()
    evry = Site(operator_id=operator.id, name="Atelier d'Évry", department_code="91",
                address="1 rue de l'Atelier, 91000 Évry-Courcouronnes")
    paris = Site(operator_id=operator.id, name="Atelier de Paris 11e", department_code="75",
                 address="10 rue du Réemploi, 75011 Paris")
    db.session.add_all([evry, paris])
    db.session.flush()
    homes = {"donor": company, "technician": operator, "social_worker": partner,
             "manager": coordinator, "admin": coordinator}
    password_hash = hash_password(DEMO_PASSWORD)
    people = {}
    for email, role in DEMO_USERS:
        people[role] = User(email=email, name=email.split("@")[0].capitalize() + " Démo",
                            password_hash=password_hash, role=role,
                            organisation_id=homes[role].id,
                            site_id=evry.id if role == "technician" else None)
        db.session.add(people[role])
    db.session.flush()

    now = utcnow()
    pledges = []
    for donor in (company, town):
        for i in range(3):
            pledge = Pledge(donor_id=donor.id, operator_id=operator.id,
                            status=[PledgeStatus.COLLECTED, PledgeStatus.SCHEDULED,
                                    PledgeStatus.ACCEPTED][i].value,
                            pickup_address="Parvis de la mairie, 91000 Démoville",
                            contact_name="Service informatique",
                            council_decision_ref=("DCM-2026-042" if donor is town else None),
                            created_at=now - dt.timedelta(days=200 - 30 * i))
            db.session.add(pledge)
            pledges.append(pledge)
    db.session.flush()

    targets = [stage for stage, n in _TARGETS for _ in range(n)]
    scale = device_count / len(targets)
    targets = [targets[int(i / scale)] for i in range(device_count)] if device_count else []
    kinds = [k for k, w in _KIND_WEIGHTS for _ in range(w)]
    for index, target in enumerate(targets):
        kind = rng.choice(kinds)
        if target in (Stage.RESERVED, Stage.ALLOCATED, Stage.RETURNED):
            kind = rng.choice(["laptop", "laptop", "smartphone", "tablet", "desktop"])
        make, model = rng.choice(_MODELS[kind])
        pledge = pledges[index % len(pledges)]
        start = now - dt.timedelta(days=rng.randint(20, 170), hours=rng.randint(0, 23))
        device = Device(created_at=start, stage_changed_at=start, code=new_code(), kind=kind,
                        make=make, model=model,
                        serial=f"DEMO{index:05d}{secrets.token_hex(2).upper()}",
                        donor_id=pledge.donor_id, operator_id=operator.id, pledge_id=pledge.id,
                        purchase_year=rng.randint(2015, 2021), stage=Stage.PLEDGED.value)
        db.session.add(device)
        db.session.flush()
        counters.record_created(db.session, [device])
        db.session.add(StageEvent(device_id=device.id, from_stage=None, to_stage="pledged",
                                  actor_id=people["donor"].id, occurred_at=start,
                                  recorded_at=start))
        _walk(device, target, start, rng, people, evry if index % 3 else paris, partner)
    db.session.commit()
    return {"created": True, "devices": len(targets)}


def _walk(device, target, when, rng, people, site, partner) -> None:
    """Move one demo device along the real path, writing the proof each guard asks for."""
    tech, manager = people["technician"], people["manager"]
    if target is Stage.CANCELLED:
        stages.move(people["donor"], device, Stage.CANCELLED, occurred_at=when)
        return
    if target is Stage.PLEDGED:
        return
    if target is Stage.LOST:
        stages.move(manager, device, Stage.LOST, note="Non retrouvé à l'enlèvement",
                    occurred_at=when + dt.timedelta(days=2))
        return
    end = (_PATH.index(target) if target in _PATH
           else rng.randint(1, 4))  # parts/recycled leave from a workshop stage
    request = None
    for stage in _PATH[: end + 1]:
        when = when + dt.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 8))
        if stage is Stage.WIPED:
            _erase(device, tech, when)
        elif stage is Stage.CHECKED:
            grade = rng.choice("AABBBC")
            db.session.add(FunctionalCheck(device_id=device.id, checklist={"boot": True,
                           "screen": True, "keyboard": True, "battery": True}, passed=True,
                           grade=grade, operator_id=tech.id, created_at=when))
            device.grade = grade
        elif stage is Stage.RESERVED:
            request = _approved_request(device, partner, people, when)
            db.session.add(Allocation(request_id=request.id, device_id=device.id,
                                      pickup_code=secrets.token_hex(3).upper(),
                                      reserved_by_id=manager.id, reserved_at=when,
                                      expires_at=when + dt.timedelta(days=14),
                                      explanation={"rule": "fifo-per-kind-and-departement"}))
            db.session.flush()
        elif stage is Stage.ALLOCATED:
            allocation = db.session.scalar(select(Allocation).where(
                Allocation.device_id == device.id, Allocation.is_active.is_(True)))
            allocation.handed_over_at = when
            allocation.handed_over_by_id = tech.id
            request.status = RequestStatus.HANDED_OVER.value
            db.session.flush()
        elif stage is Stage.RETURNED:
            allocation = db.session.scalar(select(Allocation).where(
                Allocation.device_id == device.id, Allocation.is_active.is_(True)))
            allocation.is_active = False
            allocation.release_reason = "returned"
            db.session.flush()
        actor = tech if stage not in (Stage.RESERVED,) else manager
        stages.move(actor, device, stage, occurred_at=when,
                    site_id=site.id if stage is Stage.RECEIVED else None)
        if stage is Stage.RESERVED:
            request.status = RequestStatus.RESERVED.value
    if target in (Stage.PARTS, Stage.RECYCLED):
        when = when + dt.timedelta(days=1)
        reason = "Carte mère hors service" if target is Stage.PARTS else "Écran cassé, hors d'usage"
        stages.move(tech, device, target, note=reason, occurred_at=when)


def _erase(device, tech, when) -> None:
    if device.kind in KINDS_WITH_STORAGE:
        medium_type = "flash" if device.kind in ("tablet", "smartphone") else "ssd"
        medium = StorageMedium(device_id=device.id, medium_type=medium_type,
                               serial=f"M-{device.serial}", capacity_gb=256)
        db.session.add(medium)
        db.session.flush()
        db.session.add(ErasureRecord(device_id=device.id, medium_id=medium.id, level="purge",
                                     technique="cryptographic erase" if medium_type == "flash"
                                     else "block erase", tool="nwipe", tool_version="0.37",
                                     verification="passed", operator_id=tech.id,
                                     performed_at=when))
    if device.kind in ("tablet", "smartphone") or device.make == "Apple":
        db.session.add(ResetRecord(device_id=device.id, factory_reset=True,
                                   activation_lock_released=True, operator_id=tech.id,
                                   performed_at=when))
    db.session.flush()


def _approved_request(device, partner, people, when) -> AllocationRequest:
    number = (db.session.scalar(select(func.count(Beneficiary.id))) or 0) + 1
    beneficiary = Beneficiary(organisation_id=partner.id, reference=f"DEMO-{number:03d}",
                              commune_code="91228", department_code="91",
                              household_category="single_parent",
                              eligibility_criterion="rsa", attested_by_id=people["social_worker"].id,
                              attested_at=when.date(),
                              eligible_until=(when + dt.timedelta(days=365)).date())
    db.session.add(beneficiary)
    db.session.flush()
    request = AllocationRequest(beneficiary_id=beneficiary.id, organisation_id=partner.id,
                                requested_by_id=people["social_worker"].id,
                                device_kind=device.kind, purpose="job_search",
                                urgency="standard", department_code="91",
                                status=RequestStatus.APPROVED.value,
                                submitted_at=when - dt.timedelta(days=3), approved_at=when,
                                decided_by_id=people["manager"].id)
    db.session.add(request)
    db.session.flush()
    return request
