"""``helm package`` of helm/saas with its version and appVersion set from the project's
version (pyproject.toml): the archive a registry or an ArgoCD Application pulls, whose
default image tags are that version (the release images are tagged with it). Chart.yaml
in the repository keeps appVersion ``dev``, the tag ``make images`` and skaffold build.

    .venv/bin/python -m tests.deploy.chart_package [DESTINATION]   # default: .build/charts
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import helm_python

from tests.deploy import chart

DESTINATION = chart.ROOT / ".build" / "charts"


def project_version() -> str:
    return tomllib.loads((chart.ROOT / "pyproject.toml").read_text())["project"]["version"]


def package(destination: Path = DESTINATION) -> Path:
    destination.mkdir(parents=True, exist_ok=True)
    version = project_version()
    return Path(helm_python.package(str(chart.CHART), destination=str(destination), version=version,
                                    app_version=version))


def main(argv: list[str]) -> int:
    archive = package(Path(argv[0]) if argv else DESTINATION)
    print(archive)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
