"""Label batches: check what to print, queue the job, and render it (called by the worker)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from .. import jobs
from ..domain.models import Device, DeviceKind, Job, PrinterProfile, Role, Site, User
from ..domain.stages import N_, Stage
from ..errors import Invalid, Message, NotFound
from ..extensions import db
from ..printing.layouts import Layout, all_layouts, get_layout
from ..printing.qr import device_url
from ..printing.render import LabelData, write_pdf
from .access import device_scope, sees_everything
from .devices import canonical_code
from .jobs import progress, result_dir

TASK = "collecte.print_labels"
MAX_LABELS = 100_000
PDF_VOLUME = 10_000  # labels per PDF; a larger batch is a ZIP of such PDFs
FORMATS = ("pdf", "png", "zpl")
EXTENSIONS = {"pdf": "pdf", "png": "zip", "zpl": "zpl"}
_CHUNK = 500  # devices read per query while rendering: the batch is never all in memory
PRINTING_ROLES = (Role.TECHNICIAN, Role.MANAGER, Role.ADMIN)


@dataclass(frozen=True)
class BatchOptions:
    layout_id: str | None = None
    fmt: str = "pdf"
    start_at: int = 1
    profile_id: int | None = None


def require_printer(user: User) -> None:
    """Technicians and managers of a workshop operator (and admins); others get a 404."""
    if user.role not in PRINTING_ROLES or not (
            sees_everything(user) or user.organisation.kind == "workshop_operator"):
        raise NotFound("Page inconnue.", code="not-found")


def layouts() -> list[Layout]:
    return all_layouts()


def _resolve(user: User, options: BatchOptions) -> tuple[Layout, tuple[float, float]]:
    """The layout and offsets to use, from the request and the printer profile."""
    offset = (0.0, 0.0)
    layout_id = options.layout_id
    if options.profile_id is not None:
        profile = db.session.get(PrinterProfile, options.profile_id)
        if profile is None or profile.organisation_id != user.organisation_id:
            raise NotFound("Profil d'imprimante inconnu.", code="unknown-printer-profile",
                           errors={"profile_id": [N_("Pas un profil de votre organisation.")]})
        offset = (profile.offset_x_mm, profile.offset_y_mm)
        layout_id = layout_id or profile.layout_id
    errors: dict[str, list[str]] = {}
    layout = get_layout(layout_id or "")
    if layout is None:
        known = ", ".join(lay.id for lay in all_layouts())
        raise Invalid("Modèle d'étiquettes inconnu : %(layout)s. Modèles : %(known)s.",
                      params={"layout": repr(layout_id), "known": known}, code="unknown-layout",
                      errors={"layout": [Message("Choisissez parmi : %(known)s.", known=known)]})
    if options.fmt not in layout.formats:
        errors["format"] = [Message("Le modèle %(layout)s s'imprime en : %(formats)s.",
                                    layout=layout.id, formats=", ".join(layout.formats))]
    if not 1 <= options.start_at <= layout.per_page:
        errors["start_at"] = [Message("Position de départ entre 1 et %(n)s pour %(layout)s.",
                                      n=layout.per_page, layout=layout.id)]
    if errors:
        raise Invalid("Certaines options d'impression ne sont pas valides.", errors=errors)
    return layout, offset


def check_count(count: int) -> None:
    if not 1 <= count <= MAX_LABELS:
        raise Invalid("Une impression compte de 1 à %(max)s étiquettes ; celle-ci en compte "
                      "%(count)s.", params={"max": MAX_LABELS, "count": count},
                      code="label-count-out-of-range",
                      errors={"codes": [Message("Entre 1 et %(max)s codes.", max=MAX_LABELS)]},
                      limit=MAX_LABELS)


def _first_codes(codes: list[str]) -> str:
    """The first codes of a long list, enough to find the mistakes."""
    return ", ".join(codes[:20]) + ("…" if len(codes) > 20 else "")


def resolve_codes(user: User, raw_codes: list[str]) -> list[int]:
    """Device ids of these codes, in order, duplicates dropped. 422 listing the codes that are
    not device codes; 404 listing those that are no device of the caller's (unknown or another
    operator's: the two are not told apart)."""
    check_count(len(raw_codes))
    canonical: list[str] = []
    bad: dict[str, str] = {}
    for raw in raw_codes:
        try:
            canonical.append(canonical_code(str(raw)))
        except Invalid as exc:
            bad[str(raw)] = Message(exc.msgid, **exc.params)
    if bad:
        raise Invalid("%(n)s code(s) mal saisi(s) ou mal formé(s) : %(codes)s.",
                      params={"n": len(bad), "codes": _first_codes(list(bad))},
                      code="invalid-codes", errors={"codes": bad}, invalid_codes=list(bad))
    unique = list(dict.fromkeys(canonical))
    found: dict[str, int] = {}
    for start in range(0, len(unique), 1000):
        chunk = unique[start:start + 1000]
        found.update((code, device_id) for code, device_id in db.session.execute(
            select(Device.code, Device.id).where(Device.code.in_(chunk), device_scope(user))))
    missing = [f"{c[:4]}-{c[4:8]}-{c[8:]}" for c in unique if c not in found]
    if missing:
        raise NotFound("%(n)s code(s) ne correspondent à aucun appareil de votre atelier : "
                       "%(codes)s.", params={"n": len(missing), "codes": _first_codes(missing)},
                       code="unknown-devices", errors={"codes": missing[:1000]},
                       unknown_codes=missing[:1000])
    return [found[c] for c in unique]


def pledge_device_ids(user: User, pledge_id: int) -> list[int]:
    """The devices of a pledge the caller may see (cancelled placeholders left out)."""
    from .pledges import get_pledge

    pledge = get_pledge(user, pledge_id)
    ids = list(db.session.scalars(select(Device.id).where(
        Device.pledge_id == pledge.id, Device.stage != Stage.CANCELLED.value, device_scope(user))
        .order_by(Device.id)))
    if not ids:
        raise Invalid("Cette promesse n'a encore aucun appareil reçu par votre atelier à "
                      "étiqueter.", code="nothing-to-print",
                      errors={"pledge_id": [N_("Aucun appareil à étiqueter.")]})
    return ids


def enqueue_batch(user: User, device_ids: list[int], options: BatchOptions) -> Job:
    """Add the label job to the session (sent after commit). Does not commit."""
    layout, offset = _resolve(user, options)
    check_count(len(device_ids))
    return jobs.enqueue(db.session, TASK, kind="labels", user=user, total=len(device_ids),
                        params={"device_ids": device_ids, "layout": layout.id,
                                "format": options.fmt, "start_at": options.start_at,
                                "offset_mm": list(offset)})


def request_batch(user: User, options: BatchOptions, *, codes: list[str] | None = None,
                  pledge_id: int | None = None) -> Job:
    """The use case behind POST /label-batches: check everything, queue the job, commit."""
    require_printer(user)
    if (codes is None) == (pledge_id is None):
        raise Invalid("Donnez soit une liste de codes, soit une promesse de don.",
                      code="codes-or-pledge", errors={"codes": [N_("codes ou pledge_id.")]})
    _resolve(user, options)  # refuse bad options before looking at up to 100,000 codes
    device_ids = (resolve_codes(user, codes) if codes is not None
                  else pledge_device_ids(user, pledge_id))
    job = enqueue_batch(user, device_ids, options)
    db.session.commit()
    return job


def _labels(user: User, device_ids: list[int]) -> Iterator[LabelData]:
    """Label contents read _CHUNK devices at a time; each read's transaction ends at once (on
    SQLite a transaction holds the write lock)."""
    public_url = current_app.config["PUBLIC_URL"]
    for start in range(0, len(device_ids), _CHUNK):
        chunk = device_ids[start:start + _CHUNK]
        rows = {row.id: row for row in db.session.execute(
            select(Device.id, Device.code, Device.kind, Device.make, Device.model,
                   Site.name.label("site"))
            .outerjoin(Site, Site.id == Device.site_id)
            .where(Device.id.in_(chunk), device_scope(user)))}
        db.session.rollback()
        for device_id in chunk:
            row = rows.get(device_id)
            if row is None:  # deleted or moved out of the caller's reach since the request
                continue
            kind = DeviceKind(row.kind).label if row.kind in DeviceKind.__members__.values() \
                else row.kind
            yield LabelData(url=device_url(public_url, row.code),
                            printed_code=f"{row.code[:4]}-{row.code[4:8]}-{row.code[8:]}",
                            kind=kind, title=" ".join(p for p in (row.make, row.model) if p),
                            site=row.site or "")


def render_batch(job: Job) -> tuple[str, dict]:
    """Draw a queued batch into the job's result folder; what the worker task runs."""
    params = dict(job.params)
    user = db.session.get(User, job.created_by_id)
    layout = get_layout(params["layout"])
    fmt = params["format"]
    offset = tuple(params.get("offset_mm") or (0.0, 0.0))
    device_ids = params["device_ids"]
    job_id, total = job.id, len(device_ids)
    db.session.rollback()
    folder = result_dir(job_id)
    volumes = fmt == "pdf" and total > PDF_VOLUME
    final = folder / f"etiquettes-{layout.id}.{'zip' if volumes else EXTENSIONS[fmt]}"
    # Written under a name of this run's own, then renamed: a re-run after a crash replaces the
    # file whole, and two overlapping runs never write into the same file.
    for leftover in folder.glob("*.part"):  # a killed run's half-written file
        leftover.unlink(missing_ok=True)
    partial = folder / f".{final.name}.{uuid.uuid4().hex}.part"

    def report(done: int) -> None:
        progress(job_id, done, total)

    labels = _labels(user, device_ids)
    if volumes:
        count = write_pdf_volumes(labels, layout, str(partial), start_at=params.get("start_at", 1),
                                  offset_mm=offset, progress=report)
    elif fmt == "pdf":
        count = write_pdf(labels, layout, str(partial), start_at=params.get("start_at", 1),
                          offset_mm=offset, progress=report)
    elif fmt == "png":
        from ..printing.raster import write_png_zip

        count = write_png_zip(labels, layout, str(partial), progress=report)
    else:
        from ..printing.zpl import write_zpl

        with open(partial, "w", encoding="utf-8", newline="\n") as out:
            count = write_zpl(labels, layout, out, offset_mm=offset, progress=report)
    os.replace(partial, final)  # a re-run overwrites the same file, never a half-written one
    progress(job_id, count, total)
    return str(final), {"labels": count, "layout": layout.id, "format": fmt,
                        "volumes": -(-count // PDF_VOLUME) if volumes else 1}


def write_pdf_volumes(labels, layout: Layout, out: str, *, start_at: int,
                      offset_mm: tuple[float, float], progress) -> int:
    """A ZIP of PDFs of PDF_VOLUME labels each: reportlab keeps a document's pages in memory
    until it is saved (about 70 kB a page), so one PDF per volume keeps memory flat."""
    import itertools
    import zipfile

    count = 0
    iterator = iter(labels)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for number in itertools.count(1):
            first = next(iterator, None)
            if first is None:
                break
            volume = itertools.chain([first], itertools.islice(iterator, PDF_VOLUME - 1))
            done_before = count
            with archive.open(f"etiquettes-{layout.id}-{number:03d}.pdf", "w") as member:
                count += write_pdf(volume, layout, member,
                                   start_at=start_at if number == 1 else 1, offset_mm=offset_mm,
                                   progress=lambda n, base=done_before: progress(base + n))
    return count


# Printer profiles: one per printer of an organisation, with its stock and measured shift.

@dataclass(frozen=True)
class ProfileDraft:
    name: str
    layout_id: str
    offset_x_mm: float = 0.0
    offset_y_mm: float = 0.0


def list_profiles(user: User) -> list[PrinterProfile]:
    require_printer(user)
    return list(db.session.scalars(select(PrinterProfile).where(
        PrinterProfile.organisation_id == user.organisation_id).order_by(PrinterProfile.name)))


def get_profile(user: User, profile_id: int) -> PrinterProfile:
    require_printer(user)
    profile = db.session.get(PrinterProfile, profile_id)
    if profile is None or profile.organisation_id != user.organisation_id:
        raise NotFound("Profil d'imprimante inconnu.", code="unknown-printer-profile")
    return profile


def _check_draft(user: User, draft: ProfileDraft, profile_id: int | None = None) -> None:
    errors: dict[str, list[str]] = {}
    name = draft.name.strip()
    if not name or len(name) > 100:
        errors["name"] = [N_("Donnez un nom de 1 à 100 caractères (par exemple : Brother atelier).")]
    elif db.session.scalar(select(PrinterProfile.id).where(
            PrinterProfile.organisation_id == user.organisation_id, PrinterProfile.name == name,
            PrinterProfile.id != (profile_id or 0))):
        errors["name"] = [N_("Un autre profil porte déjà ce nom.")]
    if get_layout(draft.layout_id) is None:
        errors["layout_id"] = [N_("Modèle d'étiquettes inconnu.")]
    for field in ("offset_x_mm", "offset_y_mm"):
        if not -20 <= getattr(draft, field) <= 20:
            errors[field] = [N_("Un décalage va de -20 à 20 mm.")]
    if errors:
        raise Invalid("Le profil d'imprimante n'est pas valide.", errors=errors)


def save_profile(user: User, draft: ProfileDraft, profile_id: int | None = None) -> PrinterProfile:
    """Create a profile, or update one of the caller's organisation; commits."""
    require_printer(user)
    profile = get_profile(user, profile_id) if profile_id else None
    _check_draft(user, draft, profile_id)
    if profile is None:
        profile = PrinterProfile(organisation_id=user.organisation_id)
        db.session.add(profile)
    else:
        profile.version += 1
    profile.name = draft.name.strip()
    profile.layout_id = draft.layout_id
    profile.offset_x_mm = round(float(draft.offset_x_mm), 2)
    profile.offset_y_mm = round(float(draft.offset_y_mm), 2)
    db.session.commit()
    return profile


def delete_profile(user: User, profile_id: int) -> None:
    db.session.delete(get_profile(user, profile_id))
    db.session.commit()


def alignment_pdf(user: User, layout_id: str | None, profile_id: int | None = None) -> bytes:
    """The alignment test page of a layout, shifted by a profile's offsets."""
    import io

    from ..printing.render import write_alignment_pdf

    require_printer(user)
    layout, offset = _resolve(user, BatchOptions(layout_id=layout_id, profile_id=profile_id))
    out = io.BytesIO()
    write_alignment_pdf(layout, out, offset_mm=offset)
    return out.getvalue()


def preview_png(user: User, code: str, layout_id: str) -> bytes:
    """One device's label as a PNG, laid out for `layout_id` (a preview before printing)."""
    from ..printing.raster import label_png
    from .devices import get_device

    require_printer(user)
    layout, _ = _resolve(user, BatchOptions(layout_id=layout_id, fmt="png"))
    device = get_device(user, code)
    label = next(_labels(user, [device.id]))
    return label_png(label, layout)
