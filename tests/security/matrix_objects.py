"""Objects for the access matrix: for each object type, one that belongs to the acting user's
organisation ("own") and one of the other organisation of the same kind ("other")."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, inspect, select, union_all

from collecte.domain.models import (
    ApiToken,
    Base,
    Document,
    Job,
    Organisation,
    OrgKind,
    Pledge,
    PrinterProfile,
    User,
    utcnow,
)
from collecte.extensions import db

ROLES = ("donor", "technician", "social_worker", "manager", "admin")


@dataclass
class Target:
    """What a route is tried on: URL/body values, a string only this object's pages show, and
    the row whose columns must not change when the call is denied."""

    values: dict
    secret: str
    row: object | None = None
    extra_rows: list = field(default_factory=list)


@dataclass
class Chain:
    """The organisations of one side: a donor, an operator with a site, a social partner."""

    donor_org: Organisation
    operator: Organisation
    site: object
    partner: Organisation
    people: dict  # role -> a user of this side


def chains(world) -> dict[str, Chain]:
    own = Chain(world.donor_org, world.operator, world.site, world.partner,
                {"donor": world.donor, "technician": world.tech, "social_worker": world.social,
                 "manager": world.manager, "admin": world.admin})
    other = Chain(world.other_donor_org, world.other_operator, world.other_site,
                  world.other_partner,
                  {"donor": world.other_donor, "technician": world.other_tech,
                   "social_worker": world.other_social, "manager": world.other_manager,
                   "admin": world.admin})
    return {"own": own, "other": other}


def _secret(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:10]}"


class Builder:
    """Builds one object of a type for a side; `actor` is the role's user of the own side."""

    def __init__(self, make, world, data_dir: Path):
        self.make = make
        self.world = world
        self.chains = chains(world)
        self.data_dir = data_dir

    def build(self, obj: str, side: str, role: str) -> Target:
        chain = self.chains[side]
        return getattr(self, f"_{obj}")(chain, chain.people.get(role, chain.people["manager"]))

    def _approved(self, chain, **fields):
        """An approved request of the side's partner, in its département (operators serve
        the requests of the départements of their sites)."""
        fields.setdefault("beneficiary", self._beneficiary(chain, None).row)
        return self.make.approved_request(chain.partner,
                                          department_code=chain.partner.department_code,
                                          **fields)

    # -- the object types -------------------------------------------------------------------
    def _none(self, chain, person) -> Target:
        return Target(values={}, secret="")

    def _pledge(self, chain, person) -> Target:
        secret = _secret("pledge")
        pledge = self.make.pledge(chain.donor_org, operator_id=chain.operator.id,
                                  status="accepted", contact_name=secret,
                                  pickup_address=f"1 rue {secret}", items={"laptop": 1})
        self.make.device("pledged", donor=chain.donor_org, operator=chain.operator,
                         pledge_id=pledge.id, with_history=False)
        return Target({"pledge_id": pledge.id}, secret, pledge)

    def _device(self, chain, person) -> Target:
        secret = _secret("SN")
        device = self.make.device("received", site=chain.site, donor=chain.donor_org,
                                  serial=secret)
        # Handed to the side's social partner, so that its social worker may see it.
        request = self._approved(chain)
        self.make.allocation(request, device)
        return Target({"code": device.code, "site_id": chain.site.id}, secret, device)

    def _ready_device(self, chain, person) -> Target:
        secret = _secret("SN")
        device = self.make.device("ready", site=chain.site, donor=chain.donor_org,
                                  serial=secret)
        return Target({"code": device.code, "site_id": chain.site.id}, secret, device)

    def _beneficiary(self, chain, person) -> Target:
        secret = _secret("ben")
        beneficiary = self.make.beneficiary(chain.partner, reference=secret,
                                            department_code=chain.partner.department_code)
        return Target({"beneficiary_id": beneficiary.id}, secret, beneficiary)

    def _request(self, chain, person) -> Target:
        secret = _secret("ben")
        beneficiary = self._beneficiary(chain, person).row
        beneficiary.reference = secret
        request = self._approved(chain, beneficiary=beneficiary, notes=secret)
        ready = self.make.device("ready", site=chain.site, donor=chain.donor_org)
        return Target({"request_id": request.id, "beneficiary_id": beneficiary.id,
                       "code": ready.code}, secret, request, [ready])

    def _allocation(self, chain, person) -> Target:
        secret = _secret("SN")
        device = self.make.device("reserved", site=chain.site, donor=chain.donor_org,
                                  serial=secret)
        request = self._approved(chain, status="reserved")
        allocation = self.make.allocation(request, device,
                                          expires_at=utcnow() + dt.timedelta(days=5))
        return Target({"pickup_code": allocation.pickup_code, "request_id": request.id},
                      secret, allocation, [device, request])

    def _document(self, chain, person) -> Target:
        secret = _secret("DOC")
        pledge = self.make.pledge(chain.donor_org, operator_id=chain.operator.id,
                                  status="closed", contact_name=secret)
        folder = self.data_dir / "documents"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{secret}.pdf"
        (folder / name).write_bytes(b"%PDF-1.4 " + secret.encode())
        document = self.make._save(Document(kind="erasure_certificate", pledge_id=pledge.id,
                                            donor_id=chain.donor_org.id, number=secret,
                                            path=name, sha256="0" * 64, issued_at=utcnow()))
        return Target({"document_id": document.id, "pledge_id": pledge.id}, secret, document)

    def _yearly_document(self, chain, person) -> Target:
        """A donor's yearly impact report: its organisation's people see it, and those who see
        everything; an operator's staff see the pledge documents of their pledges only."""
        secret = _secret("IMPACT")
        folder = self.data_dir / "documents"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{secret}.pdf").write_bytes(b"%PDF-1.4 " + secret.encode())
        document = self.make._save(Document(kind="impact_report", pledge_id=None, year=2025,
                                            donor_id=chain.donor_org.id, number=secret,
                                            path=f"{secret}.pdf", sha256="0" * 64,
                                            issued_at=utcnow()))
        return Target({"document_id": document.id}, secret, document)

    def _job(self, chain, person, kind="export-devices", params=None) -> Target:
        """A finished job of the person (own side) or of the other side's same-role user; the
        secret is in its result, never in its URL."""
        secret = _secret("result")
        path = self.data_dir / f"{uuid.uuid4()}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"secret;{secret}\n")
        line = {"line": 2, "serial": secret, "code": None}
        job = self.make._save(Job(id=str(uuid.uuid4()), task_name="collecte.test", kind=kind,
                                  params=params or {}, state="done", done=1, total=1,
                                  result_path=str(path), error=secret,
                                  result={"secret": secret, "added": [line], "updated": [],
                                          "refused": [], "added_count": 1,
                                          "updated_count": 0, "refused_count": 0},
                                  created_by_id=person.id,
                                  organisation_id=person.organisation_id))
        return Target({"job_id": job.id}, secret, job)

    def _pledge_job(self, chain, person) -> Target:
        target = self._pledge(chain, person)
        job = self._job(chain, person, kind="inventory_import",
                        params={"pledge_id": target.values["pledge_id"]})
        return Target({**target.values, **job.values}, job.secret, job.row)

    def _upload(self, chain, person) -> Target:
        from collecte.services import imports

        target = self._pledge(chain, person)
        donor = chain.people["donor"]
        upload_id = imports.save_upload(donor, target.values["pledge_id"], "inventaire.csv",
                                        f"Type;N° de série\nlaptop;{target.secret}\n".encode())
        return Target({**target.values, "upload_id": upload_id}, target.secret, target.row)

    def _profile(self, chain, person) -> Target:
        secret = _secret("printer")
        profile = self.make._save(PrinterProfile(organisation_id=chain.operator.id, name=secret,
                                                 layout_id="avery-l7160"))
        return Target({"profile_id": profile.id}, secret, profile)

    def _token(self, chain, person) -> Target:
        from collecte.services.users import create_token

        owner = person if chain is self.chains["own"] else self.world.other_tech
        secret = _secret("token")
        create_token(owner, secret)
        token = db.session.scalar(select(ApiToken).where(ApiToken.name == secret))
        return Target({"token_id": token.id}, secret, token)

    def _organisation(self, chain, person) -> Target:
        secret = _secret("org")
        org = self.make.org(OrgKind.DONOR_COMPANY, secret, is_approved=False)
        return Target({"org_id": org.id}, secret, org)

    def _user(self, chain, person) -> Target:
        org = person.organisation if chain is self.chains["own"] else chain.operator
        role = "technician" if org.kind == OrgKind.WORKSHOP_OPERATOR else person.role
        if role == "admin":
            role = "manager"
        target = self.make.user(role, org)
        return Target({"user_id": target.id, "email": target.email, "role": target.role},
                      target.email, target)


def table_counts(ignore: tuple = ()) -> tuple:
    """The row count of every table, in one query: a denied call must not add or remove rows
    (except in `ignore`, logs that a refusal is meant to write)."""
    tables = [t for t in Base.metadata.sorted_tables if t.name not in ignore]
    query = union_all(*[select(func.count()).select_from(t) for t in tables])
    return tuple(db.session.execute(query).scalars())


def row_state(row) -> dict | None:
    """The row's columns as the database holds them now."""
    if row is None:
        return None
    mapper = inspect(type(row))
    ident = inspect(row).identity
    db.session.expire_all()
    fresh = db.session.get(type(row), ident)
    return {c.key: getattr(fresh, c.key) for c in mapper.column_attrs} if fresh else None


__all__ = ["ROLES", "Builder", "Target", "table_counts", "row_state", "User", "Pledge",
           "Organisation"]
