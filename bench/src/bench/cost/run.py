"""``python -m bench cost``: measure, then write ``results.json``, the chart and
``report.md`` into one directory.

Invariant: nothing written names a path of the machine it ran on (the command is
recorded with the output directory relative to the repository), so the output can be
committed as it is.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bench import admin_code, environment
from bench.cost import changes, chart, code, compare, images, report, startup
from bench.cost.code import ROOT
from saas_images.engine import SERVICES, Engine


def _relative(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def _git(*args: str) -> str:
    out = subprocess.run(["git", *args], cwd=ROOT,  # noqa: S603, S607 - git, fixed arguments
                         capture_output=True, text=True, check=False)
    return out.stdout.strip()


def run(out: Path, services: tuple[str, ...], repeats: int, processes: tuple[int, ...],
        measure_images: bool, log) -> dict:
    unknown = set(services) - set(SERVICES)
    if unknown:
        raise ValueError(f"unknown services: {', '.join(sorted(unknown))}")
    out.mkdir(parents=True, exist_ok=True)
    engine = Engine()
    machine = environment.machine()
    machine.pop("load_average_at_start", None)  # the start-up section records its own
    command = ["python -m bench cost", "--out", _relative(out), "--repeats", str(repeats),
               "--services", ",".join(services),
               "--processes", ",".join(map(str, processes))]
    results: dict = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(command + ([] if measure_images else ["--no-images"])),
        "git": _git("rev-parse", "--short", "HEAD") or "unknown",
        # The commit counted, and (with `make cost`) the one the images were just built from.
        "commit": _git("rev-parse", "HEAD") or "unknown",
        "commit_date": _git("show", "-s", "--format=%cI", "HEAD") or "unknown",
        # Source files that differ from that commit when the code was counted.
        "uncommitted_sources": len(_git("status", "--porcelain", "--", "services",
                                        "libs/saaskit/src").splitlines()),
        "machine": machine,
        "settings": {"services": list(services), "repeats": repeats,
                     "processes": list(processes)},
        "code": code.count(),
        "admin_code": {feature: {side: {"sloc": sloc, "files": files}
                                 for side, (sloc, files) in sides.items()}
                       for feature, sides in admin_code.count().items()},
        "changes": changes.count_all(),
    }
    results["charts"] = {"code_per_feature": str(
        chart.code_per_feature(results["code"], out / "charts" / "code_per_feature.png")
        .relative_to(out))}
    if measure_images:
        missing = [s for s in services if not engine.image_exists(f"localhost/saas-{s}:dev")]
        if missing:
            raise RuntimeError(f"images not built: {', '.join(missing)}; run `make images`")
        results["podman"] = engine.run(engine.podman("--version")).stdout.decode().split()[-1]
        log("dependencies and sizes of each image")
        results["images"] = {s: images.image(engine, s) for s in services}
        results["startup"] = startup.measure(engine, services, repeats, processes, log)
        results["comparison"] = compare.compare(results)
    else:
        results["podman"] = "not used"
    (out / "results.json").write_text(json.dumps(results, indent=2))
    report.write(results, out)
    return results
