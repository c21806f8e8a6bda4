"""Simultaneous confirmations of one device make exactly one reservation (real threads)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from collecte.domain.models import Allocation, Device, User
from collecte.errors import Conflict
from collecte.extensions import db as _db
from collecte.services.allocation import reserve
from tests.conftest import _truncate_all, make_app
from tests.factories import Factory


def _race(app, threads: int, same_request: bool) -> tuple[list[str], int, str]:
    with app.app_context():
        make = Factory(_db.session)
        world = make.world()
        managers = [world.manager.id] + [make.user("manager", world.operator).id
                                         for _ in range(3)]
        device = make.device("ready", operator=world.operator)
        requests = ([make.approved_request(world.partner).id] if same_request else
                    [make.approved_request(world.partner).id for _ in range(threads)])
        code, device_id = device.code, device.id
        _db.session.remove()
    outcomes: list[str] = []
    barrier = threading.Barrier(threads)

    def confirm(n: int):
        with app.app_context():
            manager = _db.session.get(User, managers[n % len(managers)])
            _ = manager.organisation
            _db.session.rollback()  # hand the connection back while waiting
            barrier.wait()
            try:
                reserve(manager, requests[n % len(requests)], code)
                outcomes.append("reserved")
            except Conflict as error:
                outcomes.append(error.code)
            finally:
                _db.session.remove()

    workers = [threading.Thread(target=confirm, args=(n,)) for n in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    with app.app_context():
        count = _db.session.scalar(select(func.count()).select_from(Allocation))
        stage = _db.session.get(Device, device_id).stage
        _db.session.remove()
    return outcomes, count, stage


@pytest.mark.postgres
@pytest.mark.parametrize("same_request", [False, True])
def test_fifty_managers_confirming_one_device_make_one_reservation_on_postgresql(
        pg_url, tmp_path, same_request):
    app = make_app(pg_url, tmp_path,
                   SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 50, "max_overflow": 5})
    try:
        outcomes, count, stage = _race(app, 50, same_request)
        assert outcomes.count("reserved") == 1, outcomes
        assert len(outcomes) == 50
        assert set(outcomes) - {"reserved"} <= {"already-reserved", "device-not-ready",
                                               "concurrent-move", "request-not-approved",
                                               "concurrent-request-change"}
        assert count == 1
        assert stage == "reserved"
    finally:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()
        _truncate_all(pg_url)


@pytest.mark.parametrize("same_request", [False, True])
def test_ten_confirmations_at_once_make_one_reservation_on_sqlite(sqlite_url, tmp_path,
                                                                 same_request):
    app = make_app(sqlite_url, tmp_path)
    try:
        outcomes, count, stage = _race(app, 10, same_request)
        assert outcomes.count("reserved") == 1, outcomes
        assert len(outcomes) == 10
        assert count == 1
        assert stage == "reserved"
    finally:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()
