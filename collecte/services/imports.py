"""Importing a donor's inventory into a pledge: upload, mapping + preview, then one transaction.

Parsing and checking are pure (`domain.inventory`); this module stores the upload, previews it,
queues the job and writes the rows: all of them or none.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from ..domain import inventory, upload_checks
from ..domain.codes import format_code
from ..domain.models import Device, Job, JobState, Pledge, PledgeStatus, User
from ..domain.refusals import Refusal
from ..domain.stages import N_, Stage
from ..errors import DomainError, Invalid, Message, NotFound, from_json, to_json
from ..extensions import db
from ..jobs import enqueue
from . import jobs as job_service
from .pledges import get_pledge, insert_devices

TASK = "collecte.import_inventory"
OPEN_STATUSES = (PledgeStatus.DRAFT, PledgeStatus.SUBMITTED, PledgeStatus.ACCEPTED,
                 PledgeStatus.SCHEDULED)
MAX_ROWS = upload_checks.MAX_ROWS
PREVIEW_ROWS = 50


class TooLarge(DomainError):
    status = 413
    code = "file-too-large"
    title = "Content too large"


def limit_mb() -> int:
    return int(current_app.config.get("MAX_CONTENT_LENGTH") or 50 * 1024 * 1024) // (1024 * 1024)


def too_large() -> TooLarge:
    return TooLarge("Le fichier dépasse la taille maximale de %(mb)s Mo : découpez-le ou "
                    "retirez les colonnes inutiles.", params={"mb": limit_mb()},
                    errors={"file": [Message("%(mb)s Mo au plus.", mb=limit_mb())]})


def purge_uploads(older_than_days: int = 7) -> int:
    """Delete uploaded inventory files nobody imported (or already imported) after a while."""
    import shutil
    import time

    root = Path(current_app.config["DATA_DIR"]) / "imports"
    cutoff = time.time() - older_than_days * 86400
    removed = 0
    for folder in root.glob("*") if root.exists() else []:
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def _folder(upload_id: str) -> Path:
    try:
        uuid.UUID(upload_id)
    except ValueError as exc:
        raise NotFound("Fichier inconnu.", code="unknown-upload") from exc
    return Path(current_app.config["DATA_DIR"]) / "imports" / upload_id


def _check_pledge(user: User, pledge_id: int):
    pledge = get_pledge(user, pledge_id)
    if pledge.status not in OPEN_STATUSES:
        raise Invalid("On ne peut plus importer d'inventaire dans ce don (statut : %(status)s).",
                      params={"status": pledge.status}, code="pledge-closed")
    if user.role not in ("donor", "manager", "admin"):
        raise NotFound("Promesse de don inconnue.", code="unknown-pledge")
    return pledge


def _refused(exc: Refusal, code: str) -> Invalid:
    """A file the domain refuses: its message, in the reader's language, on the file field."""
    return Invalid(exc.msgid, params=exc.params, code=code,
                   errors={"file": [Message(exc.msgid, **exc.params)]})


def save_upload(user: User, pledge_id: int, filename: str, data: bytes) -> str:
    """Keep the uploaded file (not yet read into the database); returns its id."""
    _check_pledge(user, pledge_id)
    if len(data) > limit_mb() * 1024 * 1024:
        raise too_large()
    if not data.strip():
        raise Invalid("Le fichier est vide.", code="empty-file", errors={"file": [N_("Vide.")]})
    try:
        upload_checks.check(data)
    except upload_checks.UploadRefused as exc:
        raise _refused(exc, "unsupported-file") from exc
    upload_id = str(uuid.uuid4())
    folder = _folder(upload_id)
    folder.mkdir(parents=True)
    (folder / "source").write_bytes(data)
    (folder / "meta.json").write_text(json.dumps({"pledge_id": pledge_id, "filename": filename,
                                                  "user_id": user.id}))
    return upload_id


def _load(pledge_id: int, upload_id: str) -> tuple[inventory.Table, str]:
    folder = _folder(upload_id)
    try:
        meta = json.loads((folder / "meta.json").read_text())
    except FileNotFoundError as exc:
        raise NotFound("Fichier inconnu ou expiré : envoyez-le à nouveau.",
                       code="unknown-upload") from exc
    if meta["pledge_id"] != pledge_id:
        raise NotFound("Fichier inconnu.", code="unknown-upload")
    try:
        table = inventory.read_table(meta["filename"], (folder / "source").read_bytes())
    except inventory.InventoryError as exc:
        raise _refused(exc, "unreadable-file") from exc
    if len(table.rows) > MAX_ROWS:
        raise Invalid("Au plus %(n)s lignes par import.", params={"n": MAX_ROWS},
                      code="too-many-rows")
    return table, meta["filename"]


def _peek(pledge_id: int, upload_id: str) -> tuple[list[str], int]:
    """Headers and line count only: enough to check a mapping before queueing the job."""
    folder = _folder(upload_id)
    try:
        meta = json.loads((folder / "meta.json").read_text())
    except FileNotFoundError as exc:
        raise NotFound("Fichier inconnu ou expiré : envoyez-le à nouveau.",
                       code="unknown-upload") from exc
    if meta["pledge_id"] != pledge_id:
        raise NotFound("Fichier inconnu.", code="unknown-upload")
    try:
        headers, total = inventory.read_header(meta["filename"], (folder / "source").read_bytes())
    except inventory.InventoryError as exc:
        raise _refused(exc, "unreadable-file") from exc
    if total > MAX_ROWS:
        raise Invalid("Au plus %(n)s lignes par import.", params={"n": MAX_ROWS},
                      code="too-many-rows")
    return headers, total


def resolve_mapping(headers: list[str], mapping: dict | None) -> dict[str, int]:
    """field → column index, from a mapping by header name or index; aliases fill the rest."""
    if not mapping:
        return inventory.suggest_mapping(headers)
    resolved: dict[str, int] = {}
    errors = {}
    for name, column in mapping.items():
        if name not in inventory.FIELDS:
            errors[name] = [Message("Champ inconnu ; possibles : %(fields)s.",
                                    fields=", ".join(inventory.FIELDS))]
        elif column in (None, "", -1):
            continue
        elif isinstance(column, int) or str(column).isdigit():
            if int(column) >= len(headers):
                errors[name] = [Message("Pas de colonne %(column)s.", column=column)]
            resolved[name] = int(column)
        elif column in headers:
            resolved[name] = headers.index(column)
        else:
            errors[name] = [Message("Pas de colonne « %(column)s » dans le fichier.",
                                    column=column)]
    if errors:
        raise Invalid("La correspondance des colonnes n'est pas valide.", code="invalid-mapping",
                      errors=errors)
    return resolved


@dataclass
class Preview:
    upload_id: str
    filename: str
    headers: list[str]
    mapping: dict[str, int]
    encoding: str | None
    delimiter: str | None
    header_problems: list[Message]
    rows: list[inventory.Row]
    new: int
    updated: int
    refused: int

    @property
    def shown(self) -> list[inventory.Row]:
        bad = [r for r in self.rows if not r.ok]
        return (bad + [r for r in self.rows if r.ok])[:PREVIEW_ROWS]


def _existing(pledge_id: int) -> dict[str, tuple[int, str]]:
    """key → (device id, stage) of the devices already in the pledge."""
    found: dict[str, tuple[int, str]] = {}
    for device_id, serial, tag, stage in db.session.execute(select(
            Device.id, Device.serial, Device.asset_tag, Device.stage).where(
            Device.pledge_id == pledge_id)):
        if tag:
            found[f"t:{tag.upper()}"] = (device_id, stage)
        if serial:
            found[f"s:{serial.upper()}"] = (device_id, stage)
    return found


def preview(user: User, pledge_id: int, upload_id: str, mapping: dict | None = None,
            default_kind: str | None = None) -> Preview:
    """What an import would do, by line, before anything is written."""
    _check_pledge(user, pledge_id)
    table, filename = _load(pledge_id, upload_id)
    resolved = resolve_mapping(table.headers, mapping)
    rows = inventory.check_rows(table, resolved, default_kind=default_kind or None)
    existing = _existing(pledge_id)
    db.session.rollback()
    updated = sum(1 for r in rows if r.ok and r.key in existing)
    refused = sum(1 for r in rows if not r.ok)
    return Preview(upload_id, filename, table.headers, resolved, table.encoding, table.delimiter,
                   inventory.header_problems(table.headers), rows, len(rows) - updated - refused,
                   updated, refused)


def start_import(user: User, pledge_id: int, upload_id: str, mapping: dict | None = None,
                 default_kind: str | None = None):
    """Check the request now (fast), queue the job: the task is sent after commit."""
    _check_pledge(user, pledge_id)
    headers, total = _peek(pledge_id, upload_id)
    resolved = resolve_mapping(headers, mapping)
    job = enqueue(db.session, TASK, kind="inventory_import", user=user, total=total,
                  params={"pledge_id": pledge_id, "upload_id": upload_id, "mapping": resolved,
                          "default_kind": default_kind, "user_id": user.id})
    db.session.commit()
    return job


def refused_lines(result: dict | None) -> list[dict]:
    """An import's refused lines, `{"line", "errors"}`, from its job's result, each problem a
    Message again for `errors.translate()`. Results stored before problems were kept with
    their msgid have French text: it is shown as it is."""
    return [{"line": item["line"], "errors": [from_json(e) for e in item.get("errors") or []]}
            for item in (result or {}).get("refused") or []]


def run_import(job) -> dict:
    """The job: check every row, then write them all in one transaction. Safe to re-run: rows
    already there (same serial or asset tag in this pledge) are updated, never duplicated.
    A refused line's problems are stored with `to_json()` (msgid, params and French text), so
    that the pages and the API show them in their reader's language (`refused_lines()`)."""
    params = job.params
    user = db.session.get(User, params["user_id"])
    pledge = _check_pledge(user, params["pledge_id"])
    table, _ = _load(pledge.id, params["upload_id"])
    rows = inventory.check_rows(table, {k: int(v) for k, v in params["mapping"].items()},
                                default_kind=params.get("default_kind"))
    job_service.progress(job.id, len(rows) // 2, len(rows))
    pledge = _check_pledge(user, params["pledge_id"])  # re-read after the progress commit
    # Two runs of one import (a re-sent job while a presumed-dead worker still writes) take
    # turns on the pledge row; the second finds the job done and changes nothing.
    db.session.get(Pledge, pledge.id, with_for_update=True)
    current = db.session.get(Job, job.id, populate_existing=True)
    if current.state == JobState.DONE:
        result = current.result
        db.session.rollback()
        return result
    existing = _existing(pledge.id)
    added, updated, refused, new_rows, changes = [], [], [], [], []
    fields = ("kind", "make", "model", "serial", "asset_tag", "purchase_year")
    for row in rows:
        if not row.ok:
            refused.append({"line": row.line, "errors": [to_json(e) for e in row.errors]})
        elif row.key in existing:
            device_id, stage = existing[row.key]
            if stage != Stage.PLEDGED:
                refused.append({"line": row.line, "errors": [to_json(Message(
                    "Appareil déjà reçu par l'atelier : non modifié."))]})
                continue
            changes.append({"id": device_id, **{f: row.values[f] or (
                "" if f in ("make", "model") else None) for f in fields}})
            updated.append({"line": row.line, "serial": row.values["serial"]})
        else:
            new_rows.append(row)
    try:
        if changes:
            db.session.execute(update(Device), changes)
        ids = insert_devices(pledge, [r.values for r in new_rows], user)
        added = [{"line": r.line, "serial": r.values["serial"], "code": format_code(code)}
                 for r, (_, code) in zip(new_rows, ids, strict=True)]
        result = {"pledge_id": pledge.id, "added_count": len(added),
                  "updated_count": len(updated), "refused_count": len(refused),
                  "added": added, "updated": updated, "refused": refused}
        # The job is marked done in the devices' own transaction: a worker killed after this
        # commit leaves nothing to redo, and one killed before it leaves nothing written.
        job_service.finish(job.id, result=result, commit=False)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result
