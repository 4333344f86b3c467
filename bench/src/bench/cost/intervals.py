"""Intervals over repeated measurements, and the one rule by which the cost report calls
a difference.

Invariant: a difference between two measured quantities is stated only when their
intervals do not overlap (``verdict``); otherwise the report says "within the spread".
The interval is the distribution-free confidence interval for the median built from
order statistics: the narrowest (x_(k), x_(n+1-k)) whose coverage, 1 - 2 P(Bin(n, 1/2)
< k), is at least ``CONFIDENCE``. It assumes nothing about the shape of the
distribution (start-up times on a shared machine have a long right tail); with 5 to 8
repeats it is the min-max range (coverage 94 % to 99 %), from 9 it drops the extremes.
With fewer than 5 repeats no interval reaches 90 %, and the range is given with the
coverage it has.
"""

from __future__ import annotations

import statistics
from math import comb

CONFIDENCE = 0.90


def coverage(n: int, k: int) -> float:
    """P(x_(k) <= median <= x_(n+1-k)) for n independent draws of a continuous variable."""
    below = sum(comb(n, i) for i in range(k)) / 2**n
    return 1 - 2 * below


def median_interval(values: list[float], confidence: float = CONFIDENCE) -> dict:
    """The median of ``values`` with its order-statistic interval (see the module)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    n = len(ordered)
    k = 1
    while k + 1 <= (n + 1) // 2 and coverage(n, k + 1) >= confidence:
        k += 1
    return {"median": statistics.median(ordered), "low": ordered[k - 1],
            "high": ordered[n - k], "coverage": round(coverage(n, k), 4), "n": n}


def verdict(a: dict, b: dict) -> str:
    """How ``a`` compares with ``b``: "lower", "higher" or "within the spread" (the two
    intervals overlap). The only place the report decides whether a difference exists."""
    if a["high"] < b["low"]:
        return "lower"
    if a["low"] > b["high"]:
        return "higher"
    return "within the spread"
