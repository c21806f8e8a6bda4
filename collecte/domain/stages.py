"""The device stage machine: stages, the transitions table, who may move, and the guards.

Pure: no Flask, no database session. `services.stages.advance()` gathers the facts about a device,
asks `check_move()` here, and is the only code that writes a device's stage.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import cache


def N_(text: str) -> str:
    """Marks a French source string for translation (babel keyword); translated when shown."""
    return text


class Stage(enum.StrEnum):
    PLEDGED = "pledged"
    RECEIVED = "received"
    DIAGNOSED = "diagnosed"
    WIPED = "wiped"
    REFURBISHED = "refurbished"
    CHECKED = "checked"
    READY = "ready"
    RESERVED = "reserved"
    ALLOCATED = "allocated"
    RETURNED = "returned"
    PARTS = "parts"
    RECYCLED = "recycled"
    CANCELLED = "cancelled"
    LOST = "lost"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]

    @property
    def is_final(self) -> bool:
        return not ALLOWED[self]


STAGE_LABELS = {
    Stage.PLEDGED: N_("Promis"),
    Stage.RECEIVED: N_("Reçu"),
    Stage.DIAGNOSED: N_("Diagnostiqué"),
    Stage.WIPED: N_("Données effacées"),
    Stage.REFURBISHED: N_("Reconditionné"),
    Stage.CHECKED: N_("Contrôlé"),
    Stage.READY: N_("Prêt"),
    Stage.RESERVED: N_("Réservé"),
    Stage.ALLOCATED: N_("Remis"),
    Stage.RETURNED: N_("Rendu"),
    Stage.PARTS: N_("Pièces détachées"),
    Stage.RECYCLED: N_("Recyclé"),
    Stage.CANCELLED: N_("Annulé"),
    Stage.LOST: N_("Perdu"),
}

# The workshop stages from which a device can be given up for parts or recycling.
_WORKSHOP = (Stage.RECEIVED, Stage.DIAGNOSED, Stage.WIPED, Stage.REFURBISHED, Stage.CHECKED)
_OUT = {Stage.PARTS, Stage.RECYCLED}

ALLOWED: dict[Stage, frozenset[Stage]] = {
    Stage.PLEDGED: frozenset({Stage.RECEIVED, Stage.CANCELLED}),
    Stage.RECEIVED: frozenset({Stage.DIAGNOSED} | _OUT),
    Stage.DIAGNOSED: frozenset({Stage.WIPED} | _OUT),
    Stage.WIPED: frozenset({Stage.REFURBISHED} | _OUT),
    Stage.REFURBISHED: frozenset({Stage.CHECKED} | _OUT),
    Stage.CHECKED: frozenset({Stage.READY} | _OUT),
    Stage.READY: frozenset({Stage.RESERVED}),
    Stage.RESERVED: frozenset({Stage.ALLOCATED, Stage.READY}),
    Stage.ALLOCATED: frozenset({Stage.RETURNED}),
    Stage.RETURNED: frozenset({Stage.RECEIVED}),
    Stage.PARTS: frozenset(),
    Stage.RECYCLED: frozenset(),
    Stage.CANCELLED: frozenset(),
    Stage.LOST: frozenset(),
}
# "any → lost (manager only, with a reason)": every stage that is not already final.
for _stage, _targets in list(ALLOWED.items()):
    if _targets:
        ALLOWED[_stage] = _targets | {Stage.LOST}

# Stages a scan can move a device to. Reserving and handing over go through the allocation
# service (they need a request and a handover record), cancelling through the pledge service.
SCANNABLE = frozenset(
    {Stage.RECEIVED, Stage.DIAGNOSED, Stage.WIPED, Stage.REFURBISHED, Stage.CHECKED, Stage.READY}
    | _OUT
)

# Who may move a device *to* a stage. Admins may do everything a manager may.
_WORKSHOP_ROLES = frozenset({"technician", "manager", "admin"})
ROLES_FOR: dict[Stage, frozenset[str]] = {
    Stage.RECEIVED: _WORKSHOP_ROLES,
    Stage.DIAGNOSED: _WORKSHOP_ROLES,
    Stage.WIPED: _WORKSHOP_ROLES,
    Stage.REFURBISHED: _WORKSHOP_ROLES,
    Stage.CHECKED: _WORKSHOP_ROLES,
    Stage.READY: _WORKSHOP_ROLES,
    Stage.PARTS: _WORKSHOP_ROLES,
    Stage.RECYCLED: _WORKSHOP_ROLES,
    Stage.RESERVED: _WORKSHOP_ROLES,
    Stage.ALLOCATED: _WORKSHOP_ROLES | {"social_worker"},
    Stage.RETURNED: _WORKSHOP_ROLES | {"social_worker"},
    Stage.CANCELLED: frozenset({"donor", "manager", "admin"}),
    Stage.LOST: frozenset({"manager", "admin"}),
}

# Kinds that hold storage and so need at least one listed medium before they can be wiped.
KINDS_WITH_STORAGE = frozenset({"laptop", "desktop", "tablet", "smartphone"})
# Kinds that also need a factory reset and an activation-lock / MDM release on record.
KINDS_NEEDING_RESET = frozenset({"tablet", "smartphone"})
GRADES = ("A", "B", "C")
# Erasure levels that count for a donated device (NIST SP 800-88 / IEEE 2883); Clear does not.
SUFFICIENT_ERASURE_LEVELS = frozenset({"purge", "destroy"})


@dataclass(frozen=True)
class Facts:
    """What the guards need to know about a device, gathered by the service layer."""

    kind: str = "laptop"
    make: str = ""
    media_ids: frozenset[int] = field(default_factory=frozenset)
    erased_media_ids: frozenset[int] = field(default_factory=frozenset)
    has_reset_record: bool = False
    has_passed_checklist: bool = False
    grade: str | None = None
    has_approved_request: bool = False
    has_handover: bool = False

    @property
    def needs_reset(self) -> bool:
        return self.kind in KINDS_NEEDING_RESET or self.make.strip().lower() == "apple"


@dataclass(frozen=True)
class Refusal:
    """Why a move is refused. `code` is stable (API `type`), `message` is French for people."""

    code: str
    message: str
    allowed: tuple[Stage, ...] = ()
    problems: tuple[str, ...] = ()


@cache  # the table never changes; every scan's answer lists them
def allowed_next(current: Stage) -> tuple[Stage, ...]:
    """The table's next stages in a stable display order."""
    order = list(Stage)
    return tuple(sorted(ALLOWED[current], key=order.index))


def guard_problems(to: Stage, facts: Facts, note: str | None = None) -> list[str]:
    """The guards of the target stage: an empty list means the move may happen."""
    problems: list[str] = []
    if to is Stage.WIPED:
        if facts.kind in KINDS_WITH_STORAGE and not facts.media_ids:
            problems.append(N_("Aucun support de stockage n'est listé au diagnostic."))
        missing = facts.media_ids - facts.erased_media_ids
        if missing:
            problems.append(
                N_("Des supports n'ont pas d'effacement vérifié au niveau Purge ou Destruction.")
            )
        if facts.needs_reset and not facts.has_reset_record:
            problems.append(
                N_("La réinitialisation d'usine et le retrait du verrou d'activation / MDM "
                   "ne sont pas enregistrés.")
            )
    elif to is Stage.CHECKED:
        if not facts.has_passed_checklist:
            problems.append(N_("La liste de contrôle fonctionnel n'est pas enregistrée."))
        if facts.grade not in GRADES:
            problems.append(N_("Le grade (A, B ou C) n'est pas attribué."))
    elif to is Stage.RESERVED and not facts.has_approved_request:
        problems.append(N_("Aucune demande approuvée n'est liée à cet appareil."))
    elif to is Stage.ALLOCATED and not facts.has_handover:
        problems.append(N_("La remise n'est pas enregistrée."))
    if to in (Stage.LOST, Stage.PARTS, Stage.RECYCLED) and not (note and note.strip()):
        problems.append(N_("Indiquez la raison."))
    return problems


def check_move(current: Stage, to: Stage, role: str, facts: Facts,
               note: str | None = None) -> Refusal | None:
    """None when `role` may move a device from `current` to `to` given `facts`."""
    if to is current:
        return Refusal("already-in-stage", N_("L'appareil est déjà à cette étape."),
                       allowed_next(current))
    if to not in ALLOWED[current]:
        return Refusal("transition-not-allowed",
                       N_("Cette étape ne peut pas suivre l'étape actuelle."),
                       allowed_next(current))
    if role not in ROLES_FOR.get(to, frozenset()):
        return Refusal("role-not-allowed", N_("Votre rôle ne permet pas ce passage."),
                       allowed_next(current))
    problems = guard_problems(to, facts, note)
    if problems:
        return Refusal("guard-failed", N_("Il manque ce qu'exige cette étape."),
                       allowed_next(current), tuple(problems))
    return None
