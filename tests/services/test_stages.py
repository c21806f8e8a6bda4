"""services.stages: the only writer of a device's stage, on SQLite and PostgreSQL."""

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from collecte.domain.models import Device, StageEvent
from collecte.errors import Conflict, Invalid, NotFound
from collecte.services.stages import advance
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
