"""The dashboard's detail roll-ups (lead times, yield) equal a full recount and the full scan;
the waiting devices (counted stock minus recent arrivals) equal a count of the devices."""

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from collecte.domain.models import (
    LeadTimeNationalDay,
    RollupMark,
    StageEvent,
    YieldTerritory,
    utcnow,
)
from collecte.services import dashboard, rollups
from tests.manager.walk import play, step

T0 = utcnow() - dt.timedelta(days=400)


def settle(db) -> None:
    """Fold until every event is read (PostgreSQL reads up to the previous fold's horizon)."""
    for _ in range(3):
        rollups.fold(db.session)
    last = db.session.scalar(select(func.max(StageEvent.id)))
    assert db.session.get(RollupMark, rollups.MARK).folded_to == last
    db.session.rollback()


def same_details(f: dashboard.Filters) -> None:
    """The roll-ups give the scan's yield and waiting devices exactly, the scan's move counts
    exactly, and medians and 90th percentiles within the bucket they name."""
    assert dashboard.yield_details(f) == dashboard.yield_details_scan(f)
    now = utcnow()
    assert dashboard.waiting(f, now) == dashboard.waiting_scan(f, now)
    exact = {r["stage"]: r for r in dashboard.lead_times_scan(f)}
    rolled = {r["stage"]: r for r in dashboard.lead_times(f)}
    assert {s: r["moves"] for s, r in rolled.items()} == \
        {s: r["moves"] for s, r in exact.items()}
    for stage, row in rolled.items():
        for figure, between in (("median_days", "median_between"), ("p90_days", "p90_between")):
            lower, upper = row[between]
            upper = float("inf") if upper is None else upper
            # Both rounded to 0.1 day: 0.05 of slack at each end.
            assert lower - 0.05 <= exact[stage][figure] <= upper + 0.05, (stage, figure, row)
            assert lower - 0.05 <= row[figure] <= upper + 0.05


def test_bucket_bounds_cover_every_duration_without_gaps():
    previous_upper = 0.0
    for bucket in range(len(rollups.BUCKET_HOURS) + 1):
        lower, upper = rollups.bucket_bounds(bucket)
        assert lower == previous_upper
        previous_upper = upper
    assert previous_upper is None and rollups.bucket_bounds(5) == (0.5, 1.0)


def test_the_histogram_percentile_is_the_nearest_rank_bucket():
    # 10 moves: 3 in [0, 1 h), 6 in [1 d, 2 d), 1 beyond a year.
    histogram = {0: 3, 6: 6, len(rollups.BUCKET_HOURS): 1}
    median, between = dashboard._histogram_percentile(histogram, 0.5)
    assert between == [1.0, 2.0] and 1.0 < median < 2.0
    p90, between = dashboard._histogram_percentile(histogram, 0.9)
    assert between == [1.0, 2.0]
    top, between = dashboard._histogram_percentile(histogram, 1.0)
    assert between == [365.0, None] and top == 365.0


def test_a_move_is_counted_in_the_bucket_of_its_stay(db, make, world, counted):
    device = counted("received", operator=world.operator)
    device = step(make, world, device, "diagnosed", T0)
    step(make, world, device, "wiped", T0 + dt.timedelta(hours=30))
    settle(db)
    rows = db.session.execute(select(LeadTimeNationalDay.stage, LeadTimeNationalDay.bucket,
                                     LeadTimeNationalDay.moves)).all()
    assert ("diagnosed", 6, 1) in rows  # 30 hours: the [1 day, 2 days) bucket
    f = dashboard.Filters(date_from=T0.date(), date_to=utcnow().date())
    assert [r["stage"] for r in dashboard.lead_times(f)] == \
        [r["stage"] for r in dashboard.lead_times_scan(f)]
    assert rollups.check(db.session) == []


def test_a_fold_reads_each_event_once(db, make, world, counted):
    device = counted("received", operator=world.operator)
    for to, days in (("diagnosed", 3), ("wiped", 5)):
        device = step(make, world, device, to, T0 + dt.timedelta(days=days))
        settle(db)
        settle(db)
    f = dashboard.Filters(date_from=T0.date(), date_to=utcnow().date())
    assert {r["stage"]: r["moves"] for r in dashboard.lead_times(f)} == \
        {"received": 1, "diagnosed": 1}
    assert rollups.check(db.session) == []


def test_waiting_devices_are_the_stock_minus_the_recent_arrivals(db, make, world, counted):
    old = counted("received", operator=world.operator)
    step(make, world, old, "diagnosed", utcnow() - dt.timedelta(days=20))
    step(make, world, counted("received", operator=world.operator), "diagnosed",
         utcnow() - dt.timedelta(days=2))
    counted("ready", operator=world.operator, grade="A", kind="desktop")
    rows = dashboard.waiting(dashboard.Filters())
    assert [(r["stage"], r["count"]) for r in rows] == [("diagnosed", 1)]
    assert rows == dashboard.waiting_scan(dashboard.Filters())
    assert dashboard.waiting(dashboard.Filters(kind="desktop")) == []
    assert dashboard.waiting(dashboard.Filters(), utcnow() + dt.timedelta(days=61)) == \
        dashboard.waiting_scan(dashboard.Filters(), utcnow() + dt.timedelta(days=61))


def test_a_drifted_roll_up_is_reported_and_repaired(db, make, world, counted):
    device = counted("ready", operator=world.operator, grade="A", donor=world.donor_org)
    step(make, world, device, "reserved", T0)
    settle(db)
    db.session.execute(update(YieldTerritory).values(devices=YieldTerritory.devices + 2))
    db.session.commit()
    problems = rollups.check(db.session)
    assert problems and all(p.startswith("yield_territory ") for p in problems)
    rollups.repair(db.session)
    assert rollups.check(db.session) == []
    assert dashboard.yield_details(dashboard.Filters()) == \
        dashboard.yield_details_scan(dashboard.Filters())


def test_a_transfer_moves_the_yield_and_times_the_stay_at_the_first_site(db, make, world,
                                                                         counted):
    device = counted("ready", operator=world.operator, grade="A", donor=world.donor_org)
    other = make.site(world.operator, "13")
    first_site = device.site_id
    device.site_id = other.id
    db.session.add(StageEvent(device_id=device.id, from_stage="ready", to_stage="ready",
                              site_id=other.id, occurred_at=utcnow()))
    db.session.commit()
    settle(db)
    assert rollups.check(db.session) == []
    assert dashboard.yield_details(dashboard.Filters(department="13"))["by_donor"][0][
        "reusable"] == 1
    assert dashboard.lead_times(dashboard.Filters(site_id=first_site))[0]["moves"] == 1
    assert dashboard.lead_times(dashboard.Filters(site_id=other.id)) == []


ACTIONS = st.lists(st.tuples(st.integers(0, 3),
                             st.sampled_from(["next", "next", "next", "parts", "lost",
                                              "release", "fold", "other-site"]),
                             st.integers(0, 40), st.integers(0, 23)), max_size=40)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(kinds=st.lists(st.sampled_from(["laptop", "desktop", "monitor"]), min_size=4,
                      max_size=4),
       starts=st.lists(st.sampled_from(["pledged", "received", "checked", "ready"]),
                       min_size=4, max_size=4),
       years=st.lists(st.sampled_from([None, 2016, 2019]), min_size=4, max_size=4),
       actions=ACTIONS)
def test_roll_ups_equal_a_full_recount_and_the_scan_after_any_sequence_of_moves(
        db, make, world, counted, kinds, starts, years, actions):
    other_site = make.site(world.operator, "13")
    donors = [world.donor_org, world.other_donor_org, None, world.donor_org]
    devices = [counted(start, operator=world.operator, kind=kind, donor=donor,
                       purchase_year=year, grade="B" if start in ("checked", "ready") else None)
               for kind, start, donor, year in zip(kinds, starts, donors, years, strict=True)]
    when = T0
    for index, action, days, hours in actions:
        when = when + dt.timedelta(days=days, hours=hours, minutes=1)
        device = devices[index]
        if action == "fold":
            rollups.fold(db.session)
            continue
        devices[index] = play(make, world, device, action, when, grade="ABC"[days % 3],
                              other_site=other_site)
    settle(db)
    assert rollups.check(db.session) == []
    today = utcnow().date()
    for f in (dashboard.Filters(date_from=T0.date(), date_to=today),
              dashboard.Filters(date_from=T0.date(), date_to=today, department="13"),
              dashboard.Filters(date_from=T0.date(), date_to=today, kind="laptop"),
              dashboard.Filters(date_from=T0.date(), date_to=today,
                                operator_id=world.operator.id),
              dashboard.Filters(date_from=T0.date(), date_to=today, site_id=other_site.id),
              dashboard.Filters(date_from=(T0 + dt.timedelta(days=60)).date(),
                                date_to=(T0 + dt.timedelta(days=200)).date()),
              dashboard.Filters()):
        same_details(f)
    db.session.rollback()
