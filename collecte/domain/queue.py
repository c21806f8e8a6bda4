"""The queue rule: who is served first. The only place where requests are ordered.

Requests are served in order of approval date, per device kind and département, with the few
documented urgency categories ahead of the rest. Nothing else orders the queue: no income, no
benefit, no neighbourhood, no nationality, no household situation (docs/ALLOCATION_RULES.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from sqlalchemy import ColumnElement, case, literal

from .stages import N_


@dataclass(frozen=True)
class Urgency:
    code: str
    rank: int  # 0 is served first
    label: str
    meaning: str


# The documented list. Adding a category is a decision of the programme, written here only.
URGENCIES: tuple[Urgency, ...] = (
    Urgency("safety", 0, N_("Mise en sécurité"),
            N_("La personne vient d'être mise à l'abri (violences, expulsion, sinistre) et a "
               "besoin d'un appareil pour ses démarches.")),
    Urgency("deadline", 1, N_("Échéance proche"),
            N_("Une démarche, un examen ou une reprise d'emploi a une date limite dans les "
               "30 jours.")),
    Urgency("standard", 2, N_("Sans urgence particulière"),
            N_("Tous les autres cas.")),
)
URGENCY_CODES = tuple(u.code for u in URGENCIES)
_RANK = {u.code: u.rank for u in URGENCIES}
RULE_TEXT = N_("Premier arrivé, premier servi par type d'appareil et par département, à partir "
               "de la date d'approbation ; les catégories d'urgence documentées passent avant.")
RULE_ID = "queue-v1"


class Queued(Protocol):
    """What the rule may read of a request: nothing else."""

    id: int
    urgency: str
    approved_at: dt.datetime | None


Q = TypeVar("Q", bound=Queued)


def urgency_rank(code: str) -> int:
    """The rank of an urgency category; an unknown code raises (it is refused at input)."""
    return _RANK[code]


def urgency(code: str) -> Urgency:
    return URGENCIES[[u.code for u in URGENCIES].index(code)]


def queue_key(request: Queued) -> tuple[int, dt.datetime, int]:
    """The sort key: urgency rank, then approval date, then id (to break exact ties)."""
    if request.approved_at is None:
        raise ValueError("Only approved requests are in the queue.")
    return (urgency_rank(request.urgency), request.approved_at, request.id)


def order(requests: Iterable[Q]) -> list[Q]:
    """The queue of one device kind and département, first served first."""
    return sorted(requests, key=queue_key)


def position(request: Queued, queue: Iterable[Queued]) -> int:
    """1-based place of `request` among `queue` (which may or may not include it)."""
    mine = queue_key(request)
    return 1 + sum(1 for other in queue if other.id != request.id and queue_key(other) < mine)


def rank_expression(column) -> ColumnElement[int]:
    """The same rank in SQL, so that queries order exactly as `order()` does."""
    return case(*[(column == u.code, literal(u.rank)) for u in URGENCIES],
                else_=literal(len(URGENCIES)))
