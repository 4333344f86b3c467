"""The capacity arithmetic of the variants report (``bench.variants.capacity``), on
numbers worked by hand."""

from __future__ import annotations

import pytest

from bench.variants.capacity import Pricing, mix_rate, plan, plans


def test_a_mix_costs_the_weighted_sum_of_each_routes_core_seconds():
    # 80% at 1,000/s per core (1 ms each) and 20% at 250/s (4 ms each): 1.6 ms a request.
    assert mix_rate({"simple_get": 1000, "complex_query": 250},
                    {"simple_get": 0.8, "complex_query": 0.2}) == pytest.approx(625)


def test_pods_are_bounded_by_the_latency_target_or_the_hpa_whichever_comes_first():
    pricing = Pricing(vcpu_hour_usd=0.04, pod_cpu_request=0.5, hpa_target=0.6)
    # Held 500/s per core, saturation 1,000/s: the HPA (0.6 x 1,000 = 600/s per core)
    # lets a pod reach the latency limit first: 0.5 x 500 = 250/s a pod.
    p = plan(held_per_core=500, saturation_per_core=1000, demand=10_000, pricing=pricing)
    assert p.cores == pytest.approx(20)
    assert p.pods == 40
    assert p.monthly_usd == pytest.approx(40 * 0.5 * 0.04 * 730)
    # An HPA target below the held share (0.3 x 1,000 = 300/s per core) scales out first.
    early = plan(500, 1000, 10_000, Pricing(0.04, pod_cpu_request=0.5, hpa_target=0.3))
    assert early.pods == 67  # 10,000 / (0.5 x 300) = 66.7, rounded up


def test_the_plan_covers_each_demand_and_scales_linearly():
    small, medium, large = plans(1000, 1500, Pricing())
    assert (small.demand, medium.demand, large.demand) == (1_000, 10_000, 100_000)
    assert large.cores == pytest.approx(100 * small.cores)


def test_the_rate_held_is_the_highest_probe_within_target_errors_and_drops():
    from bench.variants.run import CapacityProbe, sustained

    probes = [
        CapacityProbe(rate=800, p99_ms=290.0, errors=0, dropped=0),  # too slow
        CapacityProbe(rate=600, p99_ms=40.0, errors=0, dropped=300),  # 2.5% not delivered
        CapacityProbe(rate=400, p99_ms=33.0, errors=0, dropped=10),  # 0.17%: k6 ramping up
        CapacityProbe(rate=250, p99_ms=15.0, errors=0, dropped=0),
    ]
    assert sustained(probes, duration=20) == 400
    assert sustained([CapacityProbe(rate=100, p99_ms=10.0, errors=1, dropped=0)], 20) is None


def test_the_plan_reads_each_frameworks_request_and_target_from_the_chart(tmp_path):
    from bench.variants.capacity import chart_pricing

    values = tmp_path / "values.yaml"
    values.write_text(
        "resources:\n  resources: {requests: {cpu: 500m}}\n"
        "  autoscaling: {targetCPUUtilizationPercentage: 60}\n"
        "admin:\n  resources: {requests: {cpu: '2'}}\n"
        "  autoscaling: {targetCPUUtilizationPercentage: 40}\n")
    fastapi = chart_pricing("fastapi", 0.05, values)
    django = chart_pricing("django", 0.05, values)
    assert (fastapi.pod_cpu_request, fastapi.hpa_target) == (0.5, 0.6)
    assert (django.pod_cpu_request, django.hpa_target, django.vcpu_hour_usd) == (2.0, 0.4, 0.05)
