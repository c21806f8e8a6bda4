"""Dashboard counters kept by the stage writer (see the managers' reports)."""

from __future__ import annotations

from sqlalchemy.orm import Session


def record_move(session: Session, device, from_stage, to_stage, site_id) -> None:
    """Called by services.stages.move() in the move's transaction. Counter rows are added by
    the reporting module; until then nothing is kept beyond the stage events themselves."""
    return None
