"""services.stages: the only writer of a device's stage, on SQLite and PostgreSQL."""

from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy import event, func, select, text, update
from sqlalchemy.exc import DatabaseError

from collecte.domain.models import CounterDelta, Device, StageEvent
from collecte.errors import Conflict, Invalid, NotFound
from collecte.services.stages import advance, move
from tests.conftest import new_event_id


def events_of(db, device):
    return db.session.scalars(select(StageEvent).where(StageEvent.device_id == device.id)
                              .order_by(StageEvent.id)).all()


def test_a_scan_moves_the_device_and_appends_one_event(db, make, world):
    device = make.device("received", operator=world.operator)
    result = advance(world.tech, device.code, "diagnosed", client_event_id=new_event_id())
    assert result.created and result.device.stage == "diagnosed"
    last = events_of(db, device)[-1]
    assert (last.from_stage, last.to_stage, last.actor_id) == ("received", "diagnosed",
                                                               world.tech.id)
    assert last.site_id == world.site.id


def test_the_same_client_event_id_twice_changes_nothing(db, make, world):
    device = make.device("received", operator=world.operator)
    event_id = new_event_id()
    advance(world.tech, device.code, "diagnosed", client_event_id=event_id)
    again = advance(world.tech, device.code, "diagnosed", client_event_id=event_id)
    assert not again.created
    assert len(events_of(db, device)) == 2  # creation + one move
    assert db.session.get(Device, device.id).version == 2


def test_a_client_event_id_reused_for_another_move_is_refused(make, world):
    device = make.device("received", operator=world.operator)
    event_id = new_event_id()
    advance(world.tech, device.code, "diagnosed", client_event_id=event_id)
    with pytest.raises(Conflict) as info:
        advance(world.tech, device.code, "parts", client_event_id=event_id, note="x")
    assert info.value.code == "client-event-id-reused"


def test_a_move_the_table_forbids_names_the_current_and_allowed_stages(db, make, world):
    device = make.device("received", operator=world.operator)
    with pytest.raises(Conflict) as info:
        advance(world.tech, device.code, "ready", client_event_id=new_event_id())
    assert info.value.extra["current_stage"] == "received"
    assert set(info.value.extra["allowed_next"]) == {"diagnosed", "parts", "recycled", "lost"}
    assert db.session.get(Device, device.id).stage == "received"


def test_a_device_cannot_be_wiped_without_erasure_proof(db, make, world):
    device = make.device("diagnosed", operator=world.operator)
    with pytest.raises(Invalid) as info:
        advance(world.tech, device.code, "wiped", client_event_id=new_event_id())
    assert info.value.extra["problems"]
    make.erased_medium(device)
    assert advance(world.tech, device.code, "wiped", client_event_id=new_event_id()).created


def test_a_clear_only_erasure_does_not_count(make, world):
    device = make.device("diagnosed", operator=world.operator)
    make.erased_medium(device, level="clear")
    with pytest.raises(Invalid):
        advance(world.tech, device.code, "wiped", client_event_id=new_event_id())


def test_a_device_cannot_be_checked_without_checklist_and_grade(make, world):
    device = make.device("refurbished", operator=world.operator)
    with pytest.raises(Invalid):
        advance(world.tech, device.code, "checked", client_event_id=new_event_id())
    make.functional_check(device, grade="A")
    assert advance(world.tech, device.code, "checked", client_event_id=new_event_id()).created


def test_receiving_a_pledged_device_places_it_at_the_technicians_site(db, make, world):
    device = make.device("pledged", operator=world.operator)
    assert device.site_id is None
    moved = advance(world.tech, device.code, "received", client_event_id=new_event_id()).device
    assert moved.site_id == world.site.id


def test_a_technician_cannot_see_or_move_another_operators_device(db, make, world):
    device = make.device("received", operator=world.other_operator)
    with pytest.raises(NotFound):
        advance(world.tech, device.code, "diagnosed", client_event_id=new_event_id())
    assert db.session.get(Device, device.id).stage == "received"


def test_a_donor_cannot_move_its_own_device_through_the_workshop(make, world):
    device = make.device("received", operator=world.operator, donor=world.donor_org)
    with pytest.raises(Conflict) as info:
        advance(world.donor, device.code, "diagnosed", client_event_id=new_event_id())
    assert info.value.code == "role-not-allowed"


def test_a_mistyped_code_is_a_clear_422(make, world):
    device = make.device("received", operator=world.operator)
    typo = device.code[:-1] + ("0" if device.code[-1] != "0" else "1")
    with pytest.raises(Invalid) as info:
        advance(world.tech, typo, "diagnosed", client_event_id=new_event_id())
    assert info.value.code == "mistyped-code"


def test_the_stage_log_is_append_only_in_the_database(db, make, world):
    device = make.device("received", operator=world.operator)
    with pytest.raises(DatabaseError):
        db.session.execute(text("UPDATE stage_events SET note = 'x' WHERE device_id = :d"),
                           {"d": device.id})
        db.session.commit()
    db.session.rollback()
    with pytest.raises(DatabaseError):
        db.session.execute(text("DELETE FROM stage_events WHERE device_id = :d"),
                           {"d": device.id})
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(StageEvent)) == 1


def test_a_move_that_lost_the_race_writes_no_event_and_no_counter_rows(db, make, world):
    device = make.device("received", operator=world.operator)
    db.session.commit()
    before = (db.session.scalar(select(func.count()).select_from(StageEvent)),
              db.session.scalar(select(func.count()).select_from(CounterDelta)))
    # Someone else moved it after we read it: the row's version is no longer ours.
    db.session.execute(update(Device.__table__).where(Device.__table__.c.id == device.id)
                       .values(version=Device.__table__.c.version + 1))
    with pytest.raises(Conflict) as info:
        move(world.tech, device, "diagnosed", client_event_id=new_event_id())
    assert info.value.code == "concurrent-move"
    assert (db.session.scalar(select(func.count()).select_from(StageEvent)),
            db.session.scalar(select(func.count()).select_from(CounterDelta))) == before


@contextmanager
def sent_statements(db):
    """The first word of every statement sent to the database meanwhile. On PostgreSQL the
    scan's statements skip SQLAlchemy's execution (services.prepared): they are seen on the
    driver's cursors instead."""
    statements = []
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        driver = connection.connection.dbapi_connection

        class Recording(psycopg.Cursor):
            def execute(self, query, *args, **kwargs):
                statements.append(str(query).split(None, 1)[0].upper())
                return super().execute(query, *args, **kwargs)

        driver.cursor_factory = Recording
        try:
            yield statements
        finally:
            driver.cursor_factory = psycopg.Cursor
        return

    def record(_conn, _cursor, statement, *_):
        if not statement.upper().startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE
            statements.append(statement.split(None, 1)[0].upper())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_a_scan_reads_the_device_once_and_writes_in_one_statement_on_postgresql(db, make, world):
    """The scan is the hot path (benchmarks/scan_throughput.py): device and replay check in one
    read; on PostgreSQL the conditional update, the event and the counter rows in one write."""
    device = make.device("received", operator=world.operator)
    db.session.commit()
    with sent_statements(db) as statements:
        result = advance(world.tech, device.code, "diagnosed", client_event_id=new_event_id())
    assert result.created and result.device.stage == "diagnosed" and result.event.id
    if db.engine.dialect.name == "postgresql":
        assert statements == ["SELECT", "WITH"]
    else:
        assert statements == ["SELECT", "UPDATE", "INSERT", "INSERT"]
    deltas = db.session.execute(select(CounterDelta.stage, CounterDelta.stock, CounterDelta.entered)
                                .order_by(CounterDelta.stage)).all()
    assert [tuple(d) for d in deltas][-2:] == [("diagnosed", 1, 1), ("received", -1, 0)]


def test_a_scan_tells_the_sessions_copy_of_the_device_what_it_wrote(db, make, world):
    """The scan reads a row, not an ORM object; a Device the session already holds (a use case
    that read it before scanning, as here) must not keep the old stage and version."""
    from collecte.services.devices import DeviceState

    device = make.device("received", operator=world.operator)
    db.session.commit()
    before = device.version
    result = advance(world.tech, device.code, "diagnosed", client_event_id=new_event_id())
    assert isinstance(result.device, DeviceState)
    assert (result.device.stage, result.device.version) == ("diagnosed", before + 1)
    assert (device.stage, device.version) == ("diagnosed", before + 1)  # no read-back needed
    db.session.expire_all()
    assert (device.stage, device.version) == ("diagnosed", before + 1)  # and it is stored


def test_a_scan_sees_what_the_caller_has_not_flushed_yet(db, make, world):
    """The row read does not autoflush as an ORM query would: advance() flushes first."""
    device = make.device("received", operator=world.operator)
    db.session.commit()
    device.grade = "B"  # pending, not flushed
    result = advance(world.tech, device.code, "diagnosed", client_event_id=new_event_id())
    assert result.device.grade == "B"


def test_receiving_by_scan_gives_the_new_site_in_the_answer(db, make, world):
    device = make.device("pledged", operator=world.operator)
    db.session.commit()
    result = advance(world.tech, device.code, "received", client_event_id=new_event_id())
    assert result.device.site_id == world.site.id
    assert (result.device.site.id, result.device.site.name) == (world.site.id, world.site.name)
    assert device.site is not None and device.site.id == world.site.id
