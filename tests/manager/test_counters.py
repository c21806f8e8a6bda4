"""The dashboard counters stay equal to a full recount of the event log and the devices."""

import datetime as dt
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from collecte.domain.models import CounterDelta, CounterTotal, utcnow
from collecte.services import counters, recount
from tests.manager.walk import NEXT, play, step

T0 = utcnow() - dt.timedelta(days=400)


def totals_by_stage(db):
    rows = counters.current(db.session)
    out = {}
    for key, (stock, _entered, _goal) in rows.items():
        out[key[-1]] = out.get(key[-1], 0) + stock
    return {k: v for k, v in out.items() if v}


def goal_count(db):
    return sum(v[2] for v in counters.current(db.session).values())


def test_a_created_device_is_counted_at_its_stage(db, world, counted):
    counted("received", operator=world.operator)
    counted("pledged", operator=world.operator)
    assert totals_by_stage(db) == {"received": 1, "pledged": 1}
    assert counters.check(db.session) == []


def test_a_move_takes_one_from_the_old_stage_and_adds_one_to_the_new(db, make, world, counted):
    device = counted("received", operator=world.operator)
    step(make, world, device, "diagnosed", T0)
    assert totals_by_stage(db) == {"diagnosed": 1}
    assert counters.check(db.session) == []


def test_a_handover_counts_toward_the_goal_unless_returned_within_30_days(db, make, world,
                                                                          counted):
    kept = counted("reserved", operator=world.operator, grade="A")
    back_soon = counted("reserved", operator=world.operator, grade="A")
    back_late = counted("reserved", operator=world.operator, grade="A")
    for device in (kept, back_soon, back_late):
        make.allocation(make.approved_request(world.partner), device, pickup_code=f"C{device.id}")
        step(make, world, device, "allocated", T0)
    assert goal_count(db) == 3
    step(make, world, back_soon, "returned", T0 + dt.timedelta(days=10))
    step(make, world, back_late, "returned", T0 + dt.timedelta(days=45))
    assert goal_count(db) == 2
    assert counters.check(db.session) == []


def test_folding_keeps_the_numbers_and_empties_the_delta_log(db, make, world, counted):
    for _ in range(3):
        device = counted("received", operator=world.operator)
        step(make, world, device, "diagnosed", T0)
    before = counters.current(db.session)
    assert counters.fold(db.session) > 0
    assert db.session.scalar(select(func.count()).select_from(CounterDelta)) == 0
    assert counters.current(db.session) == before
    step(make, world, device, "wiped", T0 + dt.timedelta(days=1))
    counters.fold(db.session)
    assert counters.check(db.session) == []


def test_repair_rebuilds_the_counters_from_the_event_log(db, make, world):
    device = make.device("received", operator=world.operator)  # not recorded: counters drift
    step(make, world, device, "diagnosed", T0)
    assert counters.check(db.session) != []
    counters.repair(db.session)
    assert counters.check(db.session) == []
    assert db.session.scalar(select(func.count()).select_from(CounterTotal)) > 0


ACTIONS = st.lists(st.tuples(st.integers(0, 3),
                             st.sampled_from(["next", "next", "next", "parts", "lost",
                                              "release", "fold", "other-site"]),
                             st.integers(0, 40)), max_size=40)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(kinds=st.lists(st.sampled_from(["laptop", "desktop", "monitor"]), min_size=4,
                      max_size=4),
       starts=st.lists(st.sampled_from(["pledged", "received"]), min_size=4, max_size=4),
       actions=ACTIONS)
def test_counters_equal_a_full_recount_after_any_sequence_of_moves(db, make, world, counted,
                                                                   kinds, starts, actions):
    other_site = world.operator.sites[1] if len(world.operator.sites) > 1 else \
        make.site(world.operator, "75")
    devices = [counted(start, operator=world.operator, kind=kind)
               for kind, start in zip(kinds, starts, strict=True)]
    when = T0
    for index, action, days in actions:
        when = when + dt.timedelta(days=days, minutes=1)
        device = devices[index]
        if action == "fold":
            counters.fold(db.session)
            continue
        devices[index] = play(make, world, device, action, when, grade="ABC"[days % 3],
                              other_site=other_site)
    assert recount.recounted(db.session) == counters.recount(db.session)
    assert counters.check(db.session) == []


def test_a_transfer_between_sites_moves_the_stock_without_an_arrival(db, make, world, counted):
    from collecte.domain.models import StageEvent

    device = counted("ready", operator=world.operator, grade="A")
    other = make.site(world.operator, "75")
    old_site = device.site_id
    device.site_id = other.id
    db.session.add(StageEvent(device_id=device.id, from_stage="ready", to_stage="ready",
                              site_id=other.id, occurred_at=T0))
    counters.record_transfer(db.session, device, old_site, other.id, T0)
    db.session.commit()
    assert recount.recounted(db.session) == counters.recount(db.session)
    assert counters.check(db.session) == []
    entered = sum(v[1] for v in counters.current(db.session).values())
    assert entered == 1


def test_a_drifted_roll_up_is_reported_and_repaired(db, make, world, counted):
    from collecte.domain.models import CounterTerritory

    device = counted("received", operator=world.operator)
    step(make, world, device, "diagnosed", T0)
    counters.fold(db.session)
    row = db.session.scalar(select(CounterTerritory).where(CounterTerritory.stage == "diagnosed"))
    row.stock += 5
    db.session.commit()
    problems = counters.check(db.session)
    assert len(problems) == 1 and problems[0].startswith("counter_territory ")
    counters.repair(db.session)
    assert counters.check(db.session) == []
    assert db.session.scalar(select(CounterTerritory.stock).where(
        CounterTerritory.stage == "diagnosed")) == 1


@settings(max_examples=5, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(moves=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 60), st.booleans()),
                      max_size=25))
def test_the_territory_roll_ups_give_the_same_figures_as_the_sites(db, make, world, counted,
                                                                   moves):
    from collecte.services import dashboard

    other = make.site(world.operator, "13")
    devices = [counted("received", operator=world.operator, kind=kind)
               for kind in ("laptop", "desktop", "laptop")]
    when = T0
    for index, days, fold in moves:
        when = when + dt.timedelta(days=days, minutes=1)
        device = devices[index]
        if device.stage not in NEXT:
            continue
        to = NEXT[device.stage]
        devices[index] = step(make, world, device, to, when, grade="AB"[days % 2],
                              site_id=other.id if to == "received" and days % 2 else None)
        if fold:
            counters.fold(db.session)
    today = when.date()
    for f in (dashboard.Filters(), dashboard.Filters(department="13"),
              dashboard.Filters(kind="laptop"),
              dashboard.Filters(date_from=today - dt.timedelta(days=90), date_to=today)):
        # Filtering by the (only) operator forces the per-site tables: same figures expected.
        per_site = replace(f, operator_id=world.operator.id)
        for by_day in (True, False):
            for stage in ("received", "ready", "allocated", "returned"):
                assert _summed(dashboard, f, by_day, stage) == \
                    _summed(dashboard, per_site, by_day, stage)
        assert dashboard.summary(f) == dashboard.summary(per_site)
        assert dashboard.goal_status(f, today) == dashboard.goal_status(per_site, today)
    db.session.rollback()


def _summed(dashboard, f, by_day, stage):
    if not by_day:
        f = replace(f, date_from=None, date_to=None)
    rows = dashboard.counter_rows_for(f, by_day=by_day)
    query = select(func.coalesce(func.sum(rows.c.stock), 0), func.coalesce(
        func.sum(rows.c.entered), 0), func.coalesce(func.sum(rows.c.goal), 0)).where(
        rows.c.stage == stage, *dashboard._where(rows, f, period=by_day))
    return tuple(int(v) for v in dashboard.db.session.execute(query).one())
