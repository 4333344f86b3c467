"""From a measured rate per core to cores, pods and money.

Invariant: capacity is planned from the rate a core sustains *at the latency target*
(p99 under ``P99_TARGET_MS`` at a fixed offered rate, open model), never from the
saturation throughput, where p99 is already far past any target. The arithmetic is
plain and printed with its inputs so a reader can redo it with their own price and mix:

- a read mix's rate per core is the weighted harmonic mean of the routes' rates (each
  request of a route costs 1/rate core-seconds), for the rate held at the latency
  target and for the saturation rate alike;
- cores = demand / the held rate per core (the headroom below saturation is in it);
- a pod of ``request`` CPU serves at most ``request x held rate`` (past it the latency
  target breaks) and at most ``request x target x saturation rate`` (past it the HPA
  adds pods); pods = demand / the smaller of the two, rounded up. An HPA target at the
  measured held share makes the two equal: the pods then add up to the cores;
- monthly cost = pods x the CPU request x price per vCPU-hour x 730 hours: the requested
  CPU is what a cluster reserves and bills; memory is left out, and the report says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import yaml

P99_TARGET_MS = 100.0
HOURS_PER_MONTH = 730
DEMANDS = (1_000, 10_000, 100_000)  # req/s


PROD_VALUES = Path(__file__).resolve().parents[4] / "helm/saas/values-prod.yaml"
# The chart's service that serves the hot reads for each framework.
CHART_SERVICE = {"fastapi": "resources", "django": "admin", "none": "resources"}


@dataclass(frozen=True)
class Pricing:
    vcpu_hour_usd: float = 0.04  # on-demand general-purpose, per vCPU, memory share included
    pod_cpu_request: float = 1.0  # cores: helm/saas/values-prod.yaml resources.requests.cpu
    hpa_target: float = 0.65  # helm/saas/values-prod.yaml targetCPUUtilizationPercentage


def _cores(quantity: str | int | float) -> float:
    text = str(quantity)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def chart_pricing(framework: str, vcpu_hour_usd: float, values: Path = PROD_VALUES) -> Pricing:
    """The production values' CPU request and HPA target of the service that serves this
    framework's hot reads, read from the chart itself so the plan follows the chart."""
    service = yaml.safe_load(values.read_text())[CHART_SERVICE[framework]]
    return Pricing(vcpu_hour_usd, _cores(service["resources"]["requests"]["cpu"]),
                   service["autoscaling"]["targetCPUUtilizationPercentage"] / 100)


@dataclass(frozen=True)
class Plan:
    demand: int
    cores: float
    pods: int
    monthly_usd: float


def mix_rate(rates: dict[str, float], mix: dict[str, float]) -> float:
    """Requests per second one core serves for ``mix`` (route -> share, summing to 1)."""
    cost = sum(share / rates[route] for route, share in mix.items())
    return 1.0 / cost if cost else 0.0


def plan(held_per_core: float, saturation_per_core: float, demand: int,
         pricing: Pricing) -> Plan:
    per_pod = pricing.pod_cpu_request * min(held_per_core,
                                            pricing.hpa_target * saturation_per_core)
    pods = math.ceil(demand / per_pod)
    reserved = pods * pricing.pod_cpu_request
    return Plan(demand, demand / held_per_core, pods,
                reserved * pricing.vcpu_hour_usd * HOURS_PER_MONTH)


def plans(held_per_core: float, saturation_per_core: float, pricing: Pricing) -> list[Plan]:
    return [plan(held_per_core, saturation_per_core, demand, pricing) for demand in DEMANDS]
