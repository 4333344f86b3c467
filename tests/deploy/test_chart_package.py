"""The chart as it is published: its README lists every value with type, default and
description and is what tests/deploy/chart_readme.py generates from values.yaml, and the
packaged archive carries the project's version as version and appVersion."""

from __future__ import annotations

import io
import tarfile

import helm_python
import yaml

from tests.deploy import chart, chart_package, chart_readme


def test_the_committed_readme_is_what_the_values_generate():
    assert chart_readme.README.read_text() == chart_readme.render(), \
        "run `.venv/bin/python -m tests.deploy.chart_readme`: helm/saas/README.md is stale"


def test_every_value_is_listed_with_a_description():
    listed = chart_readme.values()
    keys = {v.key for v in listed}
    # Every top-level key and every service's keys are there, each described.
    values = yaml.safe_load((chart.CHART / "values.yaml").read_text())
    assert set(values) <= {k.split(".")[0] for k in keys}
    for svc in chart.SERVICES:
        for key in ("image.tag", "image.digest", "processes" if svc != "worker" else "drainSeconds", "extraEnv",
                    "podLabels", "serviceAccount.annotations", "probes", "pdb.minAvailable"):
            assert f"{svc}.{key}" in keys, f"{svc}.{key}"
    undescribed = [v.key for v in listed if not v.description]
    assert undescribed == []
    assert all(v.type in {"string", "int", "bool", "list", "object", "null", "float"} for v in listed)


def test_the_package_carries_the_projects_version(tmp_path):
    version = chart_package.project_version()
    archive = chart_package.package(tmp_path)
    assert archive.name == f"saas-{version}.tgz"
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        meta = yaml.safe_load(tar.extractfile("saas/Chart.yaml").read())  # type: ignore[union-attr]
    assert meta["version"] == version and meta["appVersion"] == version
    assert {"saas/README.md", "saas/values.schema.json", "saas/rules/saas.yaml"} <= names
    assert not any(n.startswith("saas/ci/") for n in names)  # .helmignore: CI values stay out
    # Installed from the archive, the default images are the release's.
    loaded = helm_python.Chart.load_archive(archive.read_bytes())
    manifests = loaded.render({}, name="saas", namespace="saas", is_install=True)
    deployments = [d for path, text in manifests.items() if path.endswith(".yaml")
                   for d in yaml.safe_load_all(io.StringIO(text)) if d and d["kind"] == "Deployment"]
    images = {c["image"] for d in deployments for c in d["spec"]["template"]["spec"]["containers"]}
    assert images == {f"saas-{svc}:{version}" for svc in chart.SERVICES}
