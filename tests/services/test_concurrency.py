"""Two simultaneous moves of one device cannot both win (PostgreSQL, real threads)."""

import threading

import pytest
from sqlalchemy import func, select

from collecte.domain.models import StageEvent
from collecte.errors import Conflict
from collecte.extensions import db as _db
from collecte.services.stages import advance
from tests.conftest import make_app, new_event_id
from tests.factories import Factory


@pytest.mark.postgres
def test_twenty_threads_moving_one_device_make_exactly_one_move(pg_url, tmp_path):
    app = make_app(pg_url, tmp_path,
                   SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 20, "max_overflow": 5})
    try:
        with app.app_context():
            make = Factory(_db.session)
            world = make.world()
            device = make.device("received", operator=world.operator)
            code, tech_id = device.code, world.tech.id
            _db.session.remove()
        outcomes: list[str] = []
        barrier = threading.Barrier(20)

        def scan():
            with app.app_context():
                from collecte.domain.models import User

                tech = _db.session.get(User, tech_id)
                _ = tech.organisation  # loaded now, so the race below is only the move
                _db.session.rollback()  # hand the connection back while waiting
                barrier.wait()
                try:
                    result = advance(tech, code, "diagnosed", client_event_id=new_event_id())
                    outcomes.append("moved" if result.created else "replayed")
                except Conflict as error:
                    outcomes.append(error.code)
                finally:
                    _db.session.remove()

        threads = [threading.Thread(target=scan) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert outcomes.count("moved") == 1
        assert len(outcomes) == 20
        assert set(outcomes) - {"moved"} <= {"concurrent-move", "already-in-stage"}
        with app.app_context():
            moves = _db.session.scalar(select(func.count()).select_from(StageEvent)
                                       .where(StageEvent.to_stage == "diagnosed"))
            assert moves == 1
    finally:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()
        from tests.conftest import _truncate_all

        _truncate_all(pg_url)
