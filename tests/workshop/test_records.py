"""The workshop records that open the guards: diagnosis, erasure, reset, functional check."""

import pytest

from collecte.domain.models import Device
from collecte.errors import Conflict, Invalid, NotFound
from collecte.services import stages, workshop
from tests.conftest import new_event_id


def test_a_diagnosis_lists_media_sets_specs_and_keeps_defects(db, make, world, records):
    device = make.device("received", operator=world.operator)
    diagnosis = workshop.record_diagnosis(
        world.tech, device.code, cpu="i5", ram_gb=8, defects=["battery", "screen"],
        media=[workshop.MediumIn("ssd", "A1", 256), workshop.MediumIn("hdd", "B2", 500)],
        note="Rayure")
    db.session.refresh(device)
    assert (device.cpu, device.ram_gb) == ("i5", 8)
    assert diagnosis.defects == ["battery", "screen"] and diagnosis.operator_id == world.tech.id
    assert [m.medium_type for m in workshop.list_media(device)] == ["ssd", "hdd"]


def test_the_same_medium_listed_twice_is_kept_once(make, world, records):
    device = make.device("received", operator=world.operator)
    records.diagnose(world.tech, device, "ssd")
    records.diagnose(world.tech, device, "ssd")
    assert len(workshop.list_media(device)) == 1


def test_an_unknown_defect_is_refused(make, world):
    device = make.device("received", operator=world.operator)
    with pytest.raises(Invalid) as error:
        workshop.record_diagnosis(world.tech, device.code, defects=["smells"])
    assert "defects" in error.value.errors


def test_a_device_cannot_be_wiped_before_every_medium_is_erased(make, world, records):
    device = make.device("diagnosed", operator=world.operator)
    records.diagnose(world.tech, device, "ssd", "hdd")
    with pytest.raises(Invalid) as error:
        stages.advance(world.tech, device.code, "wiped", client_event_id=new_event_id())
    assert error.value.code == "guard-failed"
    records.erase_all(world.tech, device)
    assert stages.advance(world.tech, device.code, "wiped",
                          client_event_id=new_event_id()).device.stage == "wiped"


def test_an_erasure_that_leaves_a_medium_out_is_refused_naming_it(make, world, records):
    device = make.device("diagnosed", operator=world.operator)
    records.diagnose(world.tech, device, "ssd", "hdd")
    ssd, hdd = workshop.list_media(device)
    with pytest.raises(Invalid) as error:
        workshop.record_erasures(world.tech, device.code, workshop.ErasureBatch(
            "block_erase", "nwipe", "0.37", [workshop.ErasureIn(ssd.id, "purge", "passed")]))
    assert "HDD 256 Go" in error.value.detail and hdd.serial in error.value.detail
    assert error.value.extra["missing_media"] == [hdd.id]
    assert workshop.list_erasures(device) == []


def test_a_clear_only_erasure_is_refused_saying_purge_is_needed(make, world, records):
    device = make.device("diagnosed", operator=world.operator)
    records.diagnose(world.tech, device, "ssd")
    with pytest.raises(Invalid) as error:
        records.erase_all(world.tech, device, level="clear")
    (message,) = [m for k, v in error.value.errors.items() if k.startswith("medium_") for m in v]
    assert "Clear" in message and "Purge" in message


def test_an_erasure_names_tool_and_version_when_missing(make, world, records):
    device = make.device("diagnosed", operator=world.operator)
    records.diagnose(world.tech, device, "ssd")
    (medium,) = workshop.list_media(device)
    with pytest.raises(Invalid) as error:
        workshop.record_erasures(world.tech, device.code, workshop.ErasureBatch(
            "block_erase", "", " ", [workshop.ErasureIn(medium.id, "purge", "passed")]))
    assert {"tool", "tool_version"} <= set(error.value.errors)


def test_a_failed_verification_does_not_count(make, world, records):
    device = make.device("diagnosed", operator=world.operator)
    records.diagnose(world.tech, device, "ssd")
    (medium,) = workshop.list_media(device)
    with pytest.raises(Invalid):
        workshop.record_erasures(world.tech, device.code, workshop.ErasureBatch(
            "block_erase", "nwipe", "0.37", [workshop.ErasureIn(medium.id, "purge", "failed")]))


def test_a_phone_also_needs_its_reset_and_activation_lock_release(make, world, records):
    phone = make.device("diagnosed", operator=world.operator, kind="smartphone", make="Samsung")
    records.diagnose(world.tech, phone, "flash")
    records.erase_all(world.tech, phone)
    with pytest.raises(Invalid) as error:
        stages.advance(world.tech, phone.code, "wiped", client_event_id=new_event_id())
    assert any("verrou" in p for p in error.value.extra["problems"])
    with pytest.raises(Invalid) as half:
        workshop.record_reset(world.tech, phone.code, factory_reset=True,
                              activation_lock_released=False)
    assert list(half.value.errors) == ["activation_lock_released"]
    workshop.record_reset(world.tech, phone.code, factory_reset=True,
                          activation_lock_released=True)
    assert stages.advance(world.tech, phone.code, "wiped",
                          client_event_id=new_event_id()).device.stage == "wiped"


def test_a_mac_needs_a_reset_too(make, world, records):
    mac = make.device("diagnosed", operator=world.operator, make="Apple", model="MacBook Air")
    records.diagnose(world.tech, mac, "nvme")
    records.erase_all(world.tech, mac)
    with pytest.raises(Invalid):
        stages.advance(world.tech, mac.code, "wiped", client_event_id=new_event_id())


def test_a_check_sets_the_grade_and_opens_checked(db, make, world, records):
    device = make.device("refurbished", operator=world.operator)
    records.check(world.tech, device, grade="A")
    db.session.refresh(device)
    assert device.grade == "A"
    assert stages.advance(world.tech, device.code, "checked",
                          client_event_id=new_event_id()).device.stage == "checked"


def test_a_check_with_a_failed_item_does_not_open_checked(make, world):
    device = make.device("refurbished", operator=world.operator)
    check = workshop.record_check(world.tech, device.code, grade="C",
                                  checklist={"boot": True, "screen": False})
    assert not check.passed and check.checklist["battery"] is False
    with pytest.raises(Invalid):
        stages.advance(world.tech, device.code, "checked", client_event_id=new_event_id())


def test_a_grade_outside_a_b_c_is_refused(make, world):
    device = make.device("refurbished", operator=world.operator)
    with pytest.raises(Invalid):
        workshop.record_check(world.tech, device.code, grade="comme neuf", checklist={})


def test_another_operators_device_is_not_found(make, world):
    device = make.device("received", operator=world.other_operator)
    with pytest.raises(NotFound):
        workshop.record_diagnosis(world.tech, device.code, cpu="x")


def test_a_donor_cannot_record_anything(make, world):
    device = make.device("received", operator=world.operator, donor=world.donor_org)
    with pytest.raises(NotFound):
        workshop.record_diagnosis(world.donor, device.code, cpu="x")


def test_records_are_closed_once_the_device_left_the_workshop(make, world):
    device = make.device("ready", operator=world.operator)
    with pytest.raises(Conflict):
        workshop.record_diagnosis(world.tech, device.code, cpu="x")


def test_a_transfer_moves_the_device_to_another_site_once(db, make, world):
    second = make.site(world.operator, "75", name="Paris")
    device = make.device("received", operator=world.operator, site=world.site)
    event_id = new_event_id()
    moved, created = workshop.transfer(world.tech, device.code, second.id,
                                       client_event_id=event_id)
    assert created and moved.site_id == second.id and moved.stage == "received"
    again, created = workshop.transfer(world.tech, device.code, second.id,
                                       client_event_id=event_id)
    assert not created and db.session.get(Device, device.id).site_id == second.id


def test_a_transfer_to_another_operators_site_is_not_found(make, world):
    device = make.device("received", operator=world.operator)
    with pytest.raises(NotFound):
        workshop.transfer(world.tech, device.code, world.other_site.id,
                          client_event_id=new_event_id())


def test_a_checked_device_keeps_its_grade(make, world, records):
    device = make.device("checked", operator=world.operator, grade="B")
    with pytest.raises(Conflict):
        records.check(world.tech, device, grade="A")
    assert records.check(world.tech, device, grade="B").grade == "B"


def test_a_transfer_keeps_the_counters_exact(db, make, world):
    from collecte.services import counters

    second = make.site(world.operator, "75")
    device = make.device("received", operator=world.operator, site=world.site)
    counters.record_created(db.session, [device])
    db.session.commit()
    workshop.transfer(world.tech, device.code, second.id, client_event_id=new_event_id())
    assert counters.check(db.session) == []
