"""The stage machine: the whole transitions table, roles and guards."""

import itertools

import pytest

from collecte.domain.stages import (
    ALLOWED,
    SCANNABLE,
    Facts,
    Stage,
    allowed_next,
    check_move,
    guard_problems,
)

S = Stage
# DESIGN.md §2, written out independently of the module's table.
EXPECTED = {
    (S.PLEDGED, S.RECEIVED), (S.PLEDGED, S.CANCELLED),
    (S.RECEIVED, S.DIAGNOSED), (S.DIAGNOSED, S.WIPED), (S.WIPED, S.REFURBISHED),
    (S.REFURBISHED, S.CHECKED), (S.CHECKED, S.READY), (S.READY, S.RESERVED),
    (S.RESERVED, S.ALLOCATED), (S.RESERVED, S.READY), (S.ALLOCATED, S.RETURNED),
    (S.RETURNED, S.RECEIVED),
}
for _s in (S.RECEIVED, S.DIAGNOSED, S.WIPED, S.REFURBISHED, S.CHECKED):
    EXPECTED |= {(_s, S.PARTS), (_s, S.RECYCLED)}
FINAL = {S.PARTS, S.RECYCLED, S.CANCELLED, S.LOST}
EXPECTED |= {(s, S.LOST) for s in Stage if s not in FINAL}

ALL_FACTS = Facts(kind="laptop", media_ids=frozenset({1}), erased_media_ids=frozenset({1}),
                  has_reset_record=True, has_passed_checklist=True, grade="B",
                  has_approved_request=True, has_handover=True)


@pytest.mark.parametrize("current,to", list(itertools.product(Stage, Stage)),
                         ids=lambda s: s.value)
def test_every_pair_of_stages_is_allowed_exactly_as_the_design_says(current, to):
    assert (to in ALLOWED[current]) == ((current, to) in EXPECTED)
    refusal = check_move(current, to, "admin", ALL_FACTS, note="reason")
    if (current, to) in EXPECTED:
        assert refusal is None, refusal
    else:
        assert refusal is not None
        assert refusal.code in ("transition-not-allowed", "already-in-stage")
        assert set(refusal.allowed) == set(ALLOWED[current])


def test_final_stages_allow_nothing():
    for stage in FINAL:
        assert allowed_next(stage) == ()
        assert stage.is_final


def test_only_managers_and_admins_may_declare_a_device_lost():
    for role in ("technician", "donor", "social_worker"):
        assert check_move(S.READY, S.LOST, role, ALL_FACTS, "gone").code == "role-not-allowed"
    assert check_move(S.READY, S.LOST, "manager", ALL_FACTS, "gone") is None


def test_lost_parts_and_recycled_need_a_reason():
    for stage, start in ((S.LOST, S.READY), (S.PARTS, S.RECEIVED), (S.RECYCLED, S.CHECKED)):
        refusal = check_move(start, stage, "manager", ALL_FACTS, note="  ")
        assert refusal.code == "guard-failed"
        assert check_move(start, stage, "manager", ALL_FACTS, note="broken") is None


def test_a_device_cannot_be_wiped_without_erasure_proof_of_every_medium():
    facts = Facts(kind="laptop", media_ids=frozenset({1, 2}), erased_media_ids=frozenset({1}))
    assert guard_problems(S.WIPED, facts)
    facts = Facts(kind="laptop", media_ids=frozenset({1, 2}), erased_media_ids=frozenset({1, 2}))
    assert guard_problems(S.WIPED, facts) == []


def test_a_laptop_without_any_listed_medium_cannot_be_wiped_but_a_monitor_can():
    assert guard_problems(S.WIPED, Facts(kind="laptop"))
    assert guard_problems(S.WIPED, Facts(kind="monitor")) == []


def test_phones_tablets_and_macs_also_need_reset_and_lock_release():
    erased = dict(media_ids=frozenset({1}), erased_media_ids=frozenset({1}))
    for facts in (Facts(kind="smartphone", **erased), Facts(kind="tablet", **erased),
                  Facts(kind="laptop", make="Apple", **erased)):
        assert guard_problems(S.WIPED, facts)
        with_reset = Facts(**{**facts.__dict__, "has_reset_record": True})
        assert guard_problems(S.WIPED, with_reset) == []


def test_a_device_cannot_be_checked_without_a_passed_checklist_and_a_grade():
    assert len(guard_problems(S.CHECKED, Facts())) == 2
    assert guard_problems(S.CHECKED, Facts(has_passed_checklist=True, grade="D"))
    assert guard_problems(S.CHECKED, Facts(has_passed_checklist=True, grade="A")) == []


def test_reserving_needs_an_approved_request_and_handing_over_a_handover():
    assert guard_problems(S.RESERVED, Facts())
    assert guard_problems(S.RESERVED, Facts(has_approved_request=True)) == []
    assert guard_problems(S.ALLOCATED, Facts())
    assert guard_problems(S.ALLOCATED, Facts(has_handover=True)) == []


def test_scans_cannot_reserve_allocate_or_cancel():
    assert not SCANNABLE & {S.RESERVED, S.ALLOCATED, S.CANCELLED, S.LOST, S.RETURNED}


def test_a_donor_cannot_move_a_device_through_the_workshop():
    assert check_move(S.RECEIVED, S.DIAGNOSED, "donor", ALL_FACTS).code == "role-not-allowed"
