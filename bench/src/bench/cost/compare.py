"""What the framework costs and what the architecture costs, kept apart.

The FastAPI implementation is three serving services (auth, resources, files); the
Django twin is one (admin) that serves all of their routes. Comparing the stacks alone
mixes two things:

- the framework: one FastAPI service against the Django service serving the same routes.
  ``resources`` and ``admin`` both answer ``GET /users/{id}`` (the request the start-up
  measurement warms them with), so that pair is the per-service comparison. The Django
  service also carries the auth, files and jobs code; its figures are an upper bound of
  what Django costs for the resources routes alone.
- the architecture: the FastAPI stack runs auth and files as well, each a Python
  process (or pod) of its own with its own interpreter, imports and connection pools.

Invariant: for an additive figure (image layers, idle PSS, start-up CPU) the stack
difference splits into framework (resources - admin) + architecture (auth + files):
exactly for image layers (one build each), and for measured figures as medians of the
per-service runs (the stack's own interval is over per-round sums, whose median need not
equal the sum of medians). Round i of every service ran under the same load (the repeats
are interleaved), and a difference is called only by ``bench.cost.intervals.verdict``.
"""

from __future__ import annotations

from bench.cost.intervals import median_interval, verdict

SERVING = {"FastAPI": ("auth", "resources", "files"), "Django": ("admin",)}
PAIR = ("resources", "admin")  # the same routes, one framework each
EXTRA = ("auth", "files")  # what splitting into services adds on the FastAPI side
# figure -> (key in a startup summary, unit)
MEASURED = {
    "idle_pss": ("idle_pss", "bytes"),
    "start_cpu": ("start_cpu_s", "s"),
    "cold_start": ("cold_start_s", "s"),
    "cpu_per_request": ("cpu_per_request_ms", "ms"),
    "extra_pod": ("extra_pod_first_request_s", "s"),
}
ADDITIVE = ("idle_pss", "start_cpu")  # summed over a stack's services; times are not


def _runs(summary: dict, figure: str) -> list[float] | None:
    cell = summary.get(MEASURED[figure][0])
    return list(cell["runs"]) if cell else None


def _summed(one: dict, services: tuple[str, ...], figure: str) -> dict | None:
    runs = [_runs(one[s], figure) for s in services]
    if any(r is None for r in runs):
        return None
    rounds = min(len(r) for r in runs if r is not None)
    return median_interval([sum(r[i] for r in runs if r is not None) for i in range(rounds)])


def compare(results: dict) -> dict | None:
    """The per-service and per-stack comparison, from ``results.json``'s ``images`` and
    the 1-process start-up measurement; None unless all four serving services were
    measured."""
    one = results.get("startup", {}).get("by_processes", {}).get("1", {})
    images = results.get("images", {})
    wanted = [*SERVING["FastAPI"], *SERVING["Django"]]
    if not all(s in one and s in images for s in wanted):
        return None
    fastapi, django = PAIR
    service: dict[str, dict] = {}
    for figure in MEASURED:
        a, b = _runs(one[fastapi], figure), _runs(one[django], figure)
        if a is None or b is None:
            continue
        ia, ib = median_interval(a), median_interval(b)
        service[figure] = {"unit": MEASURED[figure][1], fastapi: ia, django: ib,
                           "fastapi_is": verdict(ia, ib)}
    service["image_layers"] = {"unit": "bytes",
                               fastapi: images[fastapi]["service_layers_bytes"],
                               django: images[django]["service_layers_bytes"]}
    service["distributions"] = {"unit": "count",
                                fastapi: images[fastapi]["distributions"]["total"],
                                django: images[django]["distributions"]["total"]}
    stack: dict[str, dict] = {}
    for figure in ADDITIVE:
        f = _summed(one, SERVING["FastAPI"], figure)
        d = _summed(one, SERVING["Django"], figure)
        extra = _summed(one, EXTRA, figure)
        if f is None or d is None or extra is None:
            continue
        stack[figure] = {
            "unit": MEASURED[figure][1], "FastAPI": f, "Django": d,
            "fastapi_is": verdict(f, d),
            # The median difference split exactly into its two parts (medians of the
            # per-service runs, so the split adds up; the intervals above are the test).
            "framework": service[figure][fastapi]["median"] - service[figure][django]["median"],
            "architecture": sum(median_interval(_runs(one[s], figure) or [0.0])["median"]
                                for s in EXTRA),
        }
    layers = {s: images[s]["service_layers_bytes"] for s in wanted}
    stack["image_layers"] = {
        "unit": "bytes",
        "FastAPI": sum(layers[s] for s in SERVING["FastAPI"]),
        "Django": sum(layers[s] for s in SERVING["Django"]),
        "framework": layers[fastapi] - layers[django],
        "architecture": sum(layers[s] for s in EXTRA),
    }
    return {"pair": list(PAIR), "extra_services": list(EXTRA),
            "serving": {k: list(v) for k, v in SERVING.items()},
            "service": service, "stack": stack}
