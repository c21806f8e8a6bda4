"""Workshop records that the stage guards read: diagnosis, erasure, reset, functional check."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from ..domain.models import (
    Device,
    Diagnosis,
    ErasureLevel,
    ErasureRecord,
    FunctionalCheck,
    ResetRecord,
    Site,
    StageEvent,
    StorageMedium,
    User,
    utcnow,
)
from ..domain.stages import GRADES, N_, SUFFICIENT_ERASURE_LEVELS, Stage
from ..errors import Conflict, Invalid, Message, NotFound, Term
from ..extensions import db
from . import counters
from .devices import get_device

WORKSHOP_ROLES = frozenset({"technician", "manager", "admin"})
# Records are kept while the device is in the workshop (from receipt until it is ready).
WORKSHOP_STAGES = frozenset({Stage.RECEIVED, Stage.DIAGNOSED, Stage.WIPED, Stage.REFURBISHED,
                             Stage.CHECKED})
MEDIUM_TYPES = {"hdd": N_("Disque dur (HDD)"), "ssd": N_("SSD SATA"), "nvme": N_("SSD NVMe"),
                "emmc": N_("eMMC (soudé)"), "flash": N_("Mémoire flash (téléphone, tablette)"),
                "other": N_("Autre")}
DEFECTS = {"screen": N_("Écran abîmé"), "battery": N_("Batterie faible ou absente"),
           "keyboard": N_("Clavier ou touches"), "hinge": N_("Charnière ou coque"),
           "charger": N_("Chargeur absent"), "storage": N_("Stockage absent ou en panne"),
           "ports": N_("Connecteurs"), "other": N_("Autre (voir la note)")}
LEVELS = {ErasureLevel.CLEAR.value: N_("Effacement simple (Clear) — insuffisant pour un don"),
          ErasureLevel.PURGE.value: N_("Purge"),
          ErasureLevel.DESTROY.value: N_("Destruction du support")}
TECHNIQUES = {"overwrite": N_("Réécriture"), "block_erase": N_("Effacement par blocs (firmware)"),
              "crypto_erase": N_("Effacement cryptographique"),
              "factory_reset": N_("Réinitialisation d'usine chiffrée (mobile)"),
              "shred": N_("Broyage / destruction physique")}
CHECK_ITEMS = {"boot": N_("Démarre"), "screen": N_("Écran sans défaut gênant"),
               "input": N_("Clavier, pavé tactile ou écran tactile"),
               "battery": N_("Batterie tient la charge"), "network": N_("Wi-Fi"),
               "audio": N_("Son"), "camera": N_("Caméra"), "ports": N_("Ports USB / charge")}


def workshop_device(actor: User, code: str) -> Device:
    """The device if the actor is a workshop person who may see it and it is in the workshop."""
    if actor.role not in WORKSHOP_ROLES:
        raise NotFound("Page introuvable.")
    device = get_device(actor, code)
    if Stage(device.stage) not in WORKSHOP_STAGES:
        raise Conflict("L'appareil n'est pas à l'atelier (étape « %(stage)s ») : ses fiches ne "
                       "peuvent plus changer.", params={"stage": Term(Stage(device.stage).label)},
                       code="not-in-workshop", current_stage=device.stage)
    return device


def _commit(obj):
    try:
        db.session.add(obj)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return obj


@dataclass
class MediumIn:
    medium_type: str
    serial: str | None = None
    capacity_gb: int | None = None


def record_diagnosis(actor: User, code: str, *, cpu: str | None = None, ram_gb: int | None = None,
                     media: list[MediumIn] | None = None, defects: list[str] | None = None,
                     note: str | None = None) -> Diagnosis:
    """Specs, the storage media found (added to those already listed) and defects."""
    device = workshop_device(actor, code)
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(defects or []) - set(DEFECTS))
    if unknown:
        errors["defects"] = [Message("Défauts inconnus : %(defects)s.", defects=", ".join(unknown))]
    for i, medium in enumerate(media or []):
        if medium.medium_type not in MEDIUM_TYPES:
            errors[f"media.{i}.medium_type"] = [Message(
                "Type de support inconnu ; valeurs possibles : %(types)s.",
                types=", ".join(MEDIUM_TYPES))]
        if medium.capacity_gb is not None and not 0 < medium.capacity_gb <= 100_000:
            errors[f"media.{i}.capacity_gb"] = [N_("Capacité en Go, entre 1 et 100 000.")]
    if ram_gb is not None and not 0 < ram_gb <= 4096:
        errors["ram_gb"] = [N_("Mémoire vive en Go, entre 1 et 4096.")]
    if errors:
        raise Invalid("Le diagnostic n'est pas valide : corrigez les champs signalés.",
                      errors=errors)
    known = {(m.medium_type, (m.serial or "").strip()) for m in list_media(device)}
    for medium in media or []:
        key = (medium.medium_type, (medium.serial or "").strip())
        if key in known and key[1]:
            continue  # the same medium listed again by a second diagnosis
        known.add(key)
        db.session.add(StorageMedium(device_id=device.id, medium_type=medium.medium_type,
                                     serial=key[1] or None, capacity_gb=medium.capacity_gb))
    if cpu:
        device.cpu = cpu.strip()[:200]
    if ram_gb:
        device.ram_gb = ram_gb
    return _commit(Diagnosis(device_id=device.id, defects=sorted(set(defects or [])),
                             note=(note or "").strip() or None, operator_id=actor.id))


@dataclass
class ErasureIn:
    medium_id: int
    level: str
    verification: str


@dataclass
class ErasureBatch:
    technique: str
    tool: str
    tool_version: str
    entries: list[ErasureIn] = field(default_factory=list)
    performed_at: dt.datetime | None = None


def _medium_name(medium: StorageMedium) -> str:
    name = medium.medium_type.upper()
    if medium.capacity_gb:
        name += f" {medium.capacity_gb} Go"
    if medium.serial:
        name += f" (n° {medium.serial})"
    return name


def record_erasures(actor: User, code: str, batch: ErasureBatch) -> list[ErasureRecord]:
    """One erasure record per medium. Refused, naming what is missing, unless every medium
    not yet erased is covered at level Purge or Destroy with a passed verification."""
    device = workshop_device(actor, code)
    media = {m.id: m for m in list_media(device)}
    errors: dict[str, list[str]] = {}
    # Whole sentences, not "Indiquez " + a label: other languages do not build them so.
    for name, message in (("technique", N_("Indiquez la technique.")),
                          ("tool", N_("Indiquez l'outil.")),
                          ("tool_version", N_("Indiquez la version de l'outil."))):
        if not (getattr(batch, name) or "").strip():
            errors[name] = [message]
    if batch.technique and batch.technique.strip() and batch.technique not in TECHNIQUES:
        errors["technique"] = [Message("Technique inconnue ; valeurs possibles : %(techniques)s.",
                                       techniques=", ".join(TECHNIQUES))]
    if not media:
        errors["media"] = [N_("Aucun support de stockage n'est listé : faites d'abord le diagnostic.")]
    covered = set(erased_media_ids(device))
    for entry in batch.entries:
        medium = media.get(entry.medium_id)
        key = f"medium_{entry.medium_id}"
        if medium is None:
            errors[key] = [N_("Ce support n'appartient pas à cet appareil.")]
            continue
        if not entry.level:
            continue  # not erased in this batch: named below if it is still missing
        if entry.level not in LEVELS:
            errors[key] = [Message("Niveau inconnu pour %(medium)s.", medium=_medium_name(medium))]
        elif entry.level not in SUFFICIENT_ERASURE_LEVELS:
            errors[key] = [Message("%(medium)s : l'effacement simple (Clear) ne suffit pas pour "
                                   "un appareil donné ; il faut Purge ou Destruction.",
                                   medium=_medium_name(medium))]
        elif entry.verification != "passed":
            errors[key] = [Message("%(medium)s : la vérification a échoué ; refaites "
                                   "l'effacement avant de l'enregistrer.",
                                   medium=_medium_name(medium))] \
                if entry.verification == "failed" else \
                [Message("%(medium)s : indiquez le résultat de la vérification.",
                         medium=_medium_name(medium))]
        else:
            covered.add(medium.id)
    missing = [m for m in media.values() if m.id not in covered]
    for medium in missing:
        errors.setdefault(f"medium_{medium.id}",
                          [Message("%(medium)s : aucun effacement enregistré.",
                                   medium=_medium_name(medium))])
    if errors:
        if missing:
            raise Invalid("L'effacement n'est pas enregistré : il manque %(media)s.",
                          params={"media": ", ".join(_medium_name(m) for m in missing)},
                          code="erasure-incomplete", errors=errors,
                          missing_media=[m.id for m in missing])
        raise Invalid("L'effacement n'est pas enregistré : corrigez les champs signalés.",
                      code="erasure-incomplete", errors=errors, missing_media=[])
    records = [ErasureRecord(device_id=device.id, medium_id=e.medium_id, level=e.level,
                             technique=batch.technique, tool=batch.tool.strip()[:100],
                             tool_version=batch.tool_version.strip()[:50],
                             verification=e.verification, operator_id=actor.id,
                             performed_at=batch.performed_at or utcnow())
               for e in batch.entries]
    try:
        db.session.add_all(records)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return records


def record_reset(actor: User, code: str, *, factory_reset: bool,
                 activation_lock_released: bool) -> ResetRecord:
    """Factory reset and activation-lock / MDM release; both are needed to count."""
    device = workshop_device(actor, code)
    errors = {}
    if not factory_reset:
        errors["factory_reset"] = [N_("Faites la réinitialisation d'usine avant de l'enregistrer.")]
    if not activation_lock_released:
        errors["activation_lock_released"] = [
            N_("Le verrou d'activation (compte Apple / Google) ou la gestion MDM doit être retiré.")]
    if errors:
        raise Invalid("La réinitialisation n'est pas complète.", errors=errors)
    return _commit(ResetRecord(device_id=device.id, factory_reset=True,
                               activation_lock_released=True, operator_id=actor.id))


def record_check(actor: User, code: str, *, checklist: dict[str, bool], grade: str,
                 note: str | None = None) -> FunctionalCheck:
    """The fixed functional checklist and the grade; sets the device's grade."""
    device = workshop_device(actor, code)
    errors = {}
    unknown = sorted(set(checklist) - set(CHECK_ITEMS))
    if unknown:
        errors["checklist"] = [Message("Points inconnus : %(items)s.", items=", ".join(unknown))]
    if grade not in GRADES:
        errors["grade"] = [N_("Choisissez le grade A, B ou C.")]
    elif device.stage == Stage.CHECKED and device.grade and grade != device.grade:
        # The dashboards count checked devices by grade: a regrade goes back through the checks.
        raise Conflict("L'appareil est déjà contrôlé avec le grade %(grade)s : pour changer de "
                       "grade, repassez-le d'abord en reconditionnement.",
                       params={"grade": device.grade}, code="already-graded")
    if errors:
        raise Invalid("Le contrôle n'est pas valide.", errors=errors)
    items = {item: bool(checklist.get(item, False)) for item in CHECK_ITEMS}
    check = FunctionalCheck(device_id=device.id, checklist=items, passed=all(items.values()),
                            grade=grade, note=(note or "").strip() or None, operator_id=actor.id)
    device.grade = grade
    return _commit(check)


def transfer(actor: User, code: str, site_id: int, *, client_event_id: str | None = None,
             occurred_at: dt.datetime | None = None) -> tuple[Device, bool]:
    """Move a device to another site of its operator (its stage stays). Logged as a stage event
    from and to the same stage; idempotent by client event id. Returns (device, created)."""
    if actor.role not in WORKSHOP_ROLES:
        raise NotFound("Page introuvable.")
    device = get_device(actor, code)
    if client_event_id:
        event = db.session.scalar(select(StageEvent)
                                  .where(StageEvent.client_event_id == client_event_id))
        if event is not None:
            if event.device_id != device.id or event.site_id != site_id:
                raise Conflict("Ce client_event_id a déjà servi pour un autre mouvement.",
                               code="client-event-id-reused")
            return device, False
    site = db.session.get(Site, site_id)
    if site is None or site.operator_id != device.operator_id:
        raise NotFound("Ce site n'appartient pas à cet atelier.", code="unknown-site",
                       errors={"site_id": [N_("Pas un site de cet atelier.")]})
    if device.site_id == site.id:
        raise Conflict("L'appareil est déjà sur le site %(site)s.", params={"site": site.name},
                       code="already-in-stage", current_stage=device.stage, allowed_next=[])
    now = utcnow()
    counters.record_transfer(db.session, device, device.site_id, site.id, occurred_at or now)
    device.site = site  # the relationship too: objects outlive the commit
    device.version = device.version + 1
    db.session.add(StageEvent(device_id=device.id, from_stage=device.stage, to_stage=device.stage,
                              actor_id=actor.id, site_id=site.id, occurred_at=occurred_at or now,
                              recorded_at=now, note=f"Transfert vers {site.name}",
                              client_event_id=client_event_id))
    _commit(device)
    return device, True


def list_media(device: Device) -> list[StorageMedium]:
    return list(db.session.scalars(select(StorageMedium).where(StorageMedium.device_id == device.id)
                                   .order_by(StorageMedium.id)))


def erased_media_ids(device: Device) -> set[int]:
    return set(db.session.scalars(select(ErasureRecord.medium_id).where(
        ErasureRecord.device_id == device.id, ErasureRecord.level.in_(SUFFICIENT_ERASURE_LEVELS),
        ErasureRecord.verification == "passed")))


def _rows(model, device: Device, order):
    return list(db.session.scalars(select(model).where(model.device_id == device.id)
                                   .order_by(order)))


def list_diagnoses(device: Device) -> list[Diagnosis]:
    return _rows(Diagnosis, device, Diagnosis.id)


def list_erasures(device: Device) -> list[ErasureRecord]:
    return _rows(ErasureRecord, device, ErasureRecord.id)


def list_resets(device: Device) -> list[ResetRecord]:
    return _rows(ResetRecord, device, ResetRecord.id)


def list_checks(device: Device) -> list[FunctionalCheck]:
    return _rows(FunctionalCheck, device, FunctionalCheck.id)


def visible_device(actor: User, code: str) -> Device:
    """For reading the records: any workshop person who may see the device, at any stage."""
    if actor.role not in WORKSHOP_ROLES:
        raise NotFound("Page introuvable.")
    return get_device(actor, code)
