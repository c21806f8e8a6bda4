"""Fixtures for the managers' reports: devices that the counters know about."""

from __future__ import annotations

import pytest

from collecte.extensions import db as _db
from collecte.services import counters


@pytest.fixture
def counted(make):
    """make.device(...) that also records the creation in the counters (as services will)."""

    def _device(*args, **kwargs):
        device = make.device(*args, **kwargs)
        counters.record_created(_db.session, [device])
        _db.session.commit()
        return device

    return _device
