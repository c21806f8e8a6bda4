"""The programme's goal: share reached, run rates, projected date and the rate still needed."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

# A handed-over device brought back within this many days does not count toward the goal.
RETURN_WINDOW_DAYS = 30


@dataclass(frozen=True)
class Goal:
    target: int
    deadline: dt.date
    rule: str = "allocated-not-returned-within-30-days"


@dataclass(frozen=True)
class GoalStatus:
    target: int
    deadline: dt.date
    rule: str
    count: int
    share: float  # 0..1 (may exceed 1 once reached)
    rate_30: float  # devices per day over the last 30 days
    rate_90: float
    projected_date: dt.date | None  # at the 30-day rate; None when the rate is zero
    needed_rate: float | None  # per day from today to meet the deadline; None once past it
    days_left: int


def run_rate(count: int, days: int) -> float:
    """Devices per day over a window of `days` days."""
    return count / days if days > 0 else 0.0


def projected_date(count: int, target: int, rate: float, today: dt.date) -> dt.date | None:
    """The day the target is reached at `rate` per day (today when already reached)."""
    if count >= target:
        return today
    if rate <= 0:
        return None
    days = math.ceil((target - count) / rate)
    try:
        return today + dt.timedelta(days=days)
    except OverflowError:
        return None


def needed_rate(count: int, target: int, deadline: dt.date, today: dt.date) -> float | None:
    """Devices per day from today (included) to the deadline (included) to meet the target."""
    days = (deadline - today).days + 1
    if days <= 0:
        return None
    return max(target - count, 0) / days


def status(goal: Goal, count: int, last_30: int, last_90: int, today: dt.date) -> GoalStatus:
    rate_30 = run_rate(last_30, 30)
    return GoalStatus(
        target=goal.target, deadline=goal.deadline, rule=goal.rule, count=count,
        share=count / goal.target if goal.target else 0.0,
        rate_30=rate_30, rate_90=run_rate(last_90, 90),
        projected_date=projected_date(count, goal.target, rate_30, today),
        needed_rate=needed_rate(count, goal.target, goal.deadline, today),
        days_left=max((goal.deadline - today).days, 0),
    )


def percentile(sorted_values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile of already sorted values (None for an empty list)."""
    if not sorted_values:
        return None
    rank = max(math.ceil(fraction * len(sorted_values)), 1)
    return sorted_values[rank - 1]
