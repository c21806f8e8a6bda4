"""Donor documents: erasure certificate, donation attestation, impact report (tagged PDF/UA).

Issuing adds a Document row and queues its build; a built document never changes: a correction
is a new document that supersedes the old one, and both are kept.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from flask import current_app, render_template
from sqlalchemy import func, select

from ..domain.models import (
    Device,
    Document,
    DocumentKind,
    ErasureRecord,
    Organisation,
    OrgKind,
    Pledge,
    PledgeStatus,
    StorageMedium,
    User,
    utcnow,
)
from ..domain.stages import N_, Stage
from ..errors import Invalid, NotFound
from ..extensions import db
from ..jobs import enqueue
from . import impact
from .access import sees_everything
from .pledges import get_pledge

TASK = "collecte.issue_document"
PREFIX = {DocumentKind.ERASURE_CERTIFICATE: "CE", DocumentKind.DONATION_ATTESTATION: "AD",
          DocumentKind.IMPACT_REPORT: "BI"}
TITLES = {DocumentKind.ERASURE_CERTIFICATE: "Certificat d'effacement des données",
          DocumentKind.DONATION_ATTESTATION: "Attestation de don",
          DocumentKind.IMPACT_REPORT: "Bilan d'impact"}
_NOT_RECEIVED = (Stage.PLEDGED, Stage.CANCELLED, Stage.LOST)


def folder() -> Path:
    path = Path(current_app.config["DATA_DIR"]) / "documents"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _latest(kind: str, pledge_id: int | None, donor_id: int, year: int | None):
    query = select(Document).where(Document.kind == kind, Document.donor_id == donor_id)
    query = query.where(Document.pledge_id == pledge_id if pledge_id else Document.year == year)
    return db.session.scalar(query.order_by(Document.id.desc()).limit(1))


def issue(user: User, pledge_id: int, kind: str) -> Document:
    """Queue a (new) document for a pledge; a previous one of the same kind is superseded."""
    pledge = get_pledge(user, pledge_id)
    try:
        kind = DocumentKind(kind)
    except ValueError as exc:
        raise Invalid("Type de document inconnu.", errors={"kind": [
            "Possibles : " + ", ".join(k.value for k in DocumentKind)]}) from exc
    received = db.session.scalar(select(func.count()).select_from(Device).where(
        Device.pledge_id == pledge.id, Device.stage.not_in(_NOT_RECEIVED))) or 0
    if pledge.status not in (PledgeStatus.COLLECTED, PledgeStatus.CLOSED) and not received:
        raise Invalid("Ce document sera disponible quand l'atelier aura reçu les appareils.",
                      code="nothing-received")
    if kind is DocumentKind.ERASURE_CERTIFICATE and not erasure_rows(pledge.id):
        raise Invalid("Aucun effacement n'est encore enregistré pour ce don.",
                      code="no-erasure-record")
    return _issue(user, kind, pledge.donor_id, pledge_id=pledge.id)


def issue_yearly_impact(user: User, donor_id: int, year: int) -> Document:
    """A donor's impact report for one calendar year: its own, or any for those who see
    everything (an operator's manager sees the documents of its pledges only)."""
    if not (sees_everything(user)
            or (user.role == "donor" and user.organisation_id == donor_id)):
        raise NotFound("Organisation inconnue.")
    if not 2000 <= year <= utcnow().year:
        raise Invalid("Choisissez une année passée ou l'année en cours.",
                      errors={"year": [N_("Année invalide.")]})
    return _issue(user, DocumentKind.IMPACT_REPORT, donor_id, year=year)


def yearly_documents(user: User) -> list[Document]:
    return list(db.session.scalars(select(Document).where(
        Document.donor_id == user.organisation_id, Document.pledge_id.is_(None))
        .order_by(Document.id.desc())))


def _issue(user: User, kind: DocumentKind, donor_id: int, *, pledge_id: int | None = None,
           year: int | None = None) -> Document:
    previous = _latest(kind.value, pledge_id, donor_id, year)
    document = Document(kind=kind.value, pledge_id=pledge_id, donor_id=donor_id, year=year,
                        number=f"p-{uuid.uuid4().hex}",
                        supersedes_id=previous.id if previous else None, issued_by_id=user.id)
    db.session.add(document)
    db.session.flush()
    document.number = f"{PREFIX[kind]}-{utcnow().year}-{document.id:06d}"
    job = enqueue(db.session, TASK, kind="document", params={"document_id": document.id},
                  user=user, total=1)
    document.job_id = job.id
    db.session.commit()
    return document


def erasure_rows(pledge_id: int) -> list[tuple]:
    """(device, medium, record) per erasure of the pledge's devices, oldest first."""
    return list(db.session.execute(
        select(Device, StorageMedium, ErasureRecord)
        .join(ErasureRecord, ErasureRecord.device_id == Device.id)
        .join(StorageMedium, StorageMedium.id == ErasureRecord.medium_id)
        .where(Device.pledge_id == pledge_id)
        .order_by(Device.id, ErasureRecord.performed_at, ErasureRecord.id)).all())


def _context(document: Document) -> dict:
    donor = db.session.get(Organisation, document.donor_id)
    pledge = db.session.get(Pledge, document.pledge_id) if document.pledge_id else None
    operator = db.session.get(Organisation, pledge.operator_id) if pledge and pledge.operator_id \
        else None
    superseded = db.session.get(Document, document.supersedes_id) if document.supersedes_id \
        else None
    context = {"document": document, "donor": donor, "pledge": pledge, "operator": operator,
               "superseded": superseded, "title": TITLES[DocumentKind(document.kind)],
               "issued_at": utcnow(), "is_municipality": donor.kind == OrgKind.DONOR_MUNICIPALITY}
    if document.kind == DocumentKind.ERASURE_CERTIFICATE:
        context["rows"] = erasure_rows(pledge.id)
    elif document.kind == DocumentKind.DONATION_ATTESTATION:
        devices = list(db.session.scalars(select(Device).where(
            Device.pledge_id == pledge.id, Device.stage.not_in(_NOT_RECEIVED))
            .order_by(Device.kind, Device.id)))
        counts: dict[str, int] = {}
        for device in devices:
            counts[device.kind] = counts.get(device.kind, 0) + 1
        context.update(devices=devices, counts=counts)
    else:
        context["impact"] = (impact.for_pledge(pledge) if pledge
                             else impact.for_donor_year(donor.id, document.year))
    return context


def render_pdf(document: Document) -> bytes:
    from weasyprint import HTML

    html = render_template(f"documents/{document.kind}.html", **_context(document))
    return HTML(string=html, base_url=str(folder())).write_pdf(pdf_variant="pdf/ua-1",
                                                               uncompressed_pdf=False)


def build(document_id: int) -> Document:
    """Render and store the PDF once; re-running a built document changes nothing."""
    document = db.session.get(Document, document_id)
    if document is None or document.sha256:
        return document
    data = render_pdf(document)
    name = f"{document.number}.pdf"
    target = folder() / name
    temporary = target.with_suffix(".tmp")
    temporary.write_bytes(data)
    temporary.replace(target)
    document.path = name
    document.sha256 = hashlib.sha256(data).hexdigest()
    document.issued_at = utcnow()
    db.session.commit()
    return document


def list_documents(user: User, pledge_id: int) -> list[Document]:
    pledge = get_pledge(user, pledge_id)
    return list(db.session.scalars(select(Document).where(Document.pledge_id == pledge.id)
                                   .order_by(Document.id.desc())))


def superseded_ids(documents: list[Document]) -> set[int]:
    return {d.supersedes_id for d in documents if d.supersedes_id}


def document_file(user: User, document_id: int) -> tuple[Document, Path]:
    document = db.session.get(Document, document_id)
    if document is None:
        raise NotFound("Document inconnu.", code="unknown-document")
    if document.pledge_id:
        get_pledge(user, document.pledge_id)  # 404 when not the user's
    elif not (sees_everything(user) or user.organisation_id == document.donor_id):
        raise NotFound("Document inconnu.", code="unknown-document")
    if not document.path:
        raise NotFound("Ce document est en cours de préparation.", code="document-pending")
    return document, folder() / document.path
