"""Repairing the counters while scans go on (PostgreSQL, real threads): nothing lost or doubled."""

import datetime as dt
import threading
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from collecte.errors import Conflict
from collecte.extensions import db as _db
from collecte.services import counters, recount
from tests.conftest import _truncate_all, make_app
from tests.factories import Factory
from tests.manager.walk import step


@pytest.fixture
def pg_app(pg_url, tmp_path):
    app = make_app(pg_url, tmp_path)
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()
    _truncate_all(pg_url)


def _world(app):
    with app.app_context():
        make = Factory(_db.session)
        world = make.world()
        devices = [make.device("received", operator=world.operator) for _ in range(2)]
        counters.record_created(_db.session, devices)
        _db.session.commit()
        return [d.id for d in devices], world.tech.id


def _diagnose(device_id, tech_id, when):
    from collecte.domain.models import Device, User

    make = Factory(_db.session)
    step(make, SimpleNamespace(tech=_db.session.get(User, tech_id)),
         _db.session.get(Device, device_id), "diagnosed", when)


@pytest.mark.postgres
def test_a_scan_committed_during_a_repair_is_neither_lost_nor_doubled(pg_app, monkeypatch):
    (first, second), tech_id = _world(pg_app)
    when = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    original = recount.recount_sql

    def scan_meanwhile(dialect):
        # Called by the repair once it has deleted the deltas it saw, before it recounts: a
        # scan commits right then (its delta survives; its event must not be recounted too).
        def scan():
            with pg_app.app_context():
                _diagnose(second, tech_id, when)
                _db.session.remove()

        worker = threading.Thread(target=scan)
        worker.start()
        worker.join(timeout=30)
        assert not worker.is_alive()
        return original(dialect)

    with pg_app.app_context():
        _diagnose(first, tech_id, when)
        monkeypatch.setattr(recount, "recount_sql", scan_meanwhile)
        counters.repair(_db.session)
        monkeypatch.setattr(recount, "recount_sql", original)
        assert counters.check(_db.session) == []
        stages = {}
        for key, (stock, _entered, _goal) in counters.current(_db.session).items():
            stages[key[-1]] = stages.get(key[-1], 0) + stock
        assert {k: v for k, v in stages.items() if v} == {"diagnosed": 2}


@pytest.mark.postgres
def test_a_repair_does_not_run_while_a_fold_holds_the_counters(pg_app):
    _world(pg_app)
    with pg_app.app_context():
        with _db.engine.connect() as other:
            other.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                          {"key": recount.FOLD_LOCK})
            with pytest.raises(Conflict):
                counters.repair(_db.session)
            other.rollback()
        assert counters.repair(_db.session) > 0
        assert counters.check(_db.session) == []
