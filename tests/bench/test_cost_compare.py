"""Framework vs architecture (bench.cost.compare): the per-service pair is resources vs
the Django service, a stack's interval is over per-round sums, and the stack difference
splits into the pair's difference plus the extra services."""

from __future__ import annotations

from bench.cost.compare import compare
from bench.cost.startup import _stats

MIB = 1024 * 1024


def _service(pss_mib: list[float], cpu: list[float]) -> dict:
    return {"idle_pss": _stats([v * MIB for v in pss_mib]), "start_cpu_s": _stats(cpu),
            "cold_start_s": _stats([1.0] * len(cpu)), "cpu_per_request_ms": _stats([2.0] * len(cpu)),
            "extra_pod_first_request_s": _stats([1.5] * len(cpu))}


def _results() -> dict:
    one = {
        "auth": _service([80, 81, 82, 83, 84], [1.0, 1.1, 1.2, 1.3, 1.4]),
        "resources": _service([90, 91, 92, 93, 94], [1.0, 1.1, 1.2, 1.3, 1.4]),
        "files": _service([95, 96, 97, 98, 99], [1.0, 1.1, 1.2, 1.3, 1.4]),
        "admin": _service([130, 131, 132, 133, 134], [1.5, 1.6, 1.7, 1.8, 1.9]),
    }
    images = {s: {"service_layers_bytes": size * 1_000_000, "distributions": {"total": 80}}
              for s, size in (("auth", 165), ("resources", 162), ("files", 162), ("admin", 206))}
    return {"startup": {"by_processes": {"1": one}}, "images": images}


def test_the_pair_is_one_service_each_and_called_by_its_intervals():
    service = compare(_results())["service"]
    assert service["idle_pss"]["fastapi_is"] == "lower"  # 90-94 vs 130-134 MiB
    assert service["cold_start"]["fastapi_is"] == "within the spread"
    assert service["image_layers"] == {"unit": "bytes", "resources": 162_000_000,
                                       "admin": 206_000_000}


def test_the_stack_difference_splits_into_framework_and_architecture():
    stack = compare(_results())["stack"]
    layers = stack["image_layers"]
    assert layers["FastAPI"] - layers["Django"] == layers["framework"] + layers["architecture"]
    pss = stack["idle_pss"]
    # Per-round sums: round 1 is 80 + 90 + 95 MiB, round 5 84 + 94 + 99 MiB.
    assert (pss["FastAPI"]["low"], pss["FastAPI"]["high"]) == (265 * MIB, 277 * MIB)
    assert pss["fastapi_is"] == "higher"
    assert pss["framework"] == (92 - 132) * MIB and pss["architecture"] == (82 + 97) * MIB


def test_nothing_is_compared_without_all_four_serving_services():
    results = _results()
    del results["startup"]["by_processes"]["1"]["files"]
    assert compare(results) is None
