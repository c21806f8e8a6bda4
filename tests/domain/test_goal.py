"""The goal maths: share, run rates, projected date and needed rate."""

import datetime as dt

from collecte.domain.goal import Goal, needed_rate, percentile, projected_date, run_rate, status

TODAY = dt.date(2026, 1, 1)


def test_the_run_rate_is_devices_per_day():
    assert run_rate(300, 30) == 10
    assert run_rate(5, 0) == 0


def test_the_projection_divides_what_is_left_by_the_rate():
    assert projected_date(0, 100, 10, TODAY) == TODAY + dt.timedelta(days=10)
    assert projected_date(95, 100, 2, TODAY) == TODAY + dt.timedelta(days=3)


def test_there_is_no_projection_without_a_rate_and_today_once_reached():
    assert projected_date(10, 100, 0, TODAY) is None
    assert projected_date(100, 100, 0, TODAY) == TODAY


def test_the_needed_rate_counts_today_and_the_deadline():
    assert needed_rate(0, 10, TODAY + dt.timedelta(days=9), TODAY) == 1
    assert needed_rate(20, 10, TODAY, TODAY) == 0
    assert needed_rate(0, 10, TODAY - dt.timedelta(days=1), TODAY) is None


def test_the_status_puts_it_all_together():
    goal = Goal(target=2_000_000, deadline=dt.date(2027, 12, 31))
    s = status(goal, count=500_000, last_30=30_000, last_90=60_000, today=TODAY)
    assert s.share == 0.25
    assert s.rate_30 == 1000 and round(s.rate_90, 3) == 666.667
    assert s.projected_date == TODAY + dt.timedelta(days=1500)
    assert s.days_left == 729


def test_the_percentile_is_nearest_rank():
    values = list(range(1, 11))
    assert percentile(values, 0.5) == 5
    assert percentile(values, 0.9) == 9
    assert percentile([], 0.5) is None
