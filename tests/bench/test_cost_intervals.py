"""The rule by which the cost report calls a difference (bench.cost.intervals): only
when the two medians' order-statistic intervals do not overlap."""

from __future__ import annotations

import pytest

from bench.cost.intervals import coverage, median_interval, verdict


def test_five_or_more_repeats_reach_ninety_percent_and_nine_drop_the_extremes():
    assert coverage(5, 1) == pytest.approx(1 - 2 / 32)
    five = median_interval([3.0, 1.0, 2.0, 5.0, 4.0])
    assert (five["median"], five["low"], five["high"]) == (3.0, 1.0, 5.0)
    assert five["coverage"] >= 0.9
    nine = median_interval([float(v) for v in range(1, 10)])
    assert (nine["low"], nine["high"]) == (2.0, 8.0)  # k=2: 96 %; k=3 would be 82 %
    assert nine["coverage"] >= 0.9


def test_too_few_repeats_give_the_range_with_the_coverage_it_has():
    three = median_interval([1.0, 2.0, 9.0])
    assert (three["low"], three["high"]) == (1.0, 9.0)
    assert three["coverage"] == pytest.approx(0.75)
    with pytest.raises(ValueError):
        median_interval([])


def test_a_difference_is_called_only_outside_both_intervals():
    fast = median_interval([1.0, 1.1, 1.2, 1.3, 1.4])
    slow = median_interval([2.0, 2.1, 2.2, 2.3, 2.4])
    assert verdict(fast, slow) == "lower"
    assert verdict(slow, fast) == "higher"
    # Medians 1.2 and 1.5 differ, but one slow run of the first reaches into the second.
    tail = median_interval([1.0, 1.1, 1.2, 1.3, 1.6])
    other = median_interval([1.5, 1.5, 1.5, 1.5, 1.5])
    assert verdict(tail, other) == "within the spread"
    assert verdict(other, tail) == "within the spread"
