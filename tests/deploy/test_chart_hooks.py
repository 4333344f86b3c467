"""Helm hooks and what they need, walked over every render.

Helm creates a release's ordinary objects only after its pre-install hooks succeeded,
and on an upgrade it runs the pre-upgrade hooks before it touches them. So every object
a pre-install/pre-upgrade hook's pods reference (the ServiceAccount, Secrets and
ConfigMaps of envFrom, env valueFrom and volumes) must itself be a hook of the same
phases and a lower weight, or come from outside the chart (a value naming an existing
Secret). A ServiceAccount that does not exist is refused at admission (the pod is never
created: `helm install` waits for the Job until its timeout); a missing Secret or
ConfigMap leaves the pod in CreateContainerConfigError until the same timeout.

A hook object must not share its kind and name with a release object either: its
`before-hook-creation` policy would delete the release's live object at every upgrade.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.deploy import chart

INSTALL_PHASES = {"pre-install", "pre-upgrade"}

# Renders whose references differ: the three value sets, and production with every
# secret named instead of rendered (the hook then reads the operator's Secret).
EXISTING = {"secrets": {"existingSecret": "saas-env"}, "jwt": {"existingSecret": "saas-jwt"},
            "imagePullSecrets": [{"name": "regcred"}]}
RENDERS = {
    **{name: render for name, render in chart.VARIANTS.items()},
    "prod-existing-secrets": lambda: chart.render(chart.PROD_VALUES, overrides=EXISTING),
}
# What the values name as existing outside the chart, per kind ("default" always exists).
EXTERNAL = {"ServiceAccount": {"default"}, "Secret": {"saas-env", "saas-jwt", "regcred"}, "ConfigMap": set()}


def hook_phases(doc: dict[str, Any]) -> set[str]:
    notes = doc["metadata"].get("annotations") or {}
    return {p.strip() for p in notes.get("helm.sh/hook", "").split(",") if p.strip()}


def hook_weight(doc: dict[str, Any]) -> int:
    return int((doc["metadata"].get("annotations") or {}).get("helm.sh/hook-weight", "0"))


def references(spec: dict[str, Any]) -> set[tuple[str, str]]:
    """(kind, name) of every object a pod spec needs to exist before its pods start."""
    refs = {("ServiceAccount", spec.get("serviceAccountName") or "default")}
    refs |= {("Secret", s["name"]) for s in spec.get("imagePullSecrets", [])}
    for c in spec.get("initContainers", []) + spec["containers"]:
        for source in c.get("envFrom", []):
            for key, kind in (("secretRef", "Secret"), ("configMapRef", "ConfigMap")):
                if key in source and not source[key].get("optional"):
                    refs.add((kind, source[key]["name"]))
        for env in c.get("env", []):
            value_from = env.get("valueFrom", {})
            for key, kind in (("secretKeyRef", "Secret"), ("configMapKeyRef", "ConfigMap")):
                if key in value_from and not value_from[key].get("optional"):
                    refs.add((kind, value_from[key]["name"]))
    for volume in spec.get("volumes", []):
        if "secret" in volume:
            refs.add(("Secret", volume["secret"]["secretName"]))
        if "configMap" in volume:
            refs.add(("ConfigMap", volume["configMap"]["name"]))
        for source in volume.get("projected", {}).get("sources", []):
            if "secret" in source:
                refs.add(("Secret", source["secret"]["name"]))
            if "configMap" in source:
                refs.add(("ConfigMap", source["configMap"]["name"]))
        if "persistentVolumeClaim" in volume:
            refs.add(("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"]))
    return refs


def unresolved_hook_references(rendered: chart.Rendered) -> list[str]:
    objects = {(d["kind"], d["metadata"]["name"]): d for d in rendered.docs}
    problems = []
    for hook in chart.workloads(rendered):
        phases = hook_phases(hook) & INSTALL_PHASES
        if not phases:
            continue
        label = f"{hook['kind']}/{hook['metadata']['name']} ({','.join(sorted(phases))}, weight {hook_weight(hook)})"
        for kind, name in sorted(references(chart.pod_spec(hook))):
            target = objects.get((kind, name))
            if target is None:
                if name not in EXTERNAL.get(kind, set()):
                    problems.append(f"{label} needs {kind}/{name}, which neither the chart nor a value provides")
                continue
            if not phases <= hook_phases(target):
                problems.append(f"{label} needs {kind}/{name}, which is not a hook of {sorted(phases)} "
                                f"(it is {sorted(hook_phases(target)) or 'a release object, created after the hooks'})")
            elif hook_weight(target) >= hook_weight(hook):
                problems.append(f"{label} needs {kind}/{name}, a hook of weight {hook_weight(target)}, not lower")
            elif "hook-failed" in (target["metadata"]["annotations"].get("helm.sh/hook-delete-policy") or ""):
                problems.append(f"{label} needs {kind}/{name}, deleted when it fails (while the Job may retry)")
    return problems


@pytest.mark.parametrize("variant", list(RENDERS))
def test_every_hook_reference_is_an_earlier_hook_or_external(variant):
    assert unresolved_hook_references(RENDERS[variant]()) == []


@pytest.mark.parametrize("variant", list(RENDERS))
def test_no_hook_object_shares_a_name_with_a_release_object(variant):
    rendered = RENDERS[variant]()
    hooks = {(d["kind"], d["metadata"]["name"]) for d in rendered.docs if hook_phases(d)}
    release = {(d["kind"], d["metadata"]["name"]) for d in rendered.docs if not hook_phases(d)}
    assert hooks & release == set()


def test_the_walk_finds_a_release_service_account_under_a_hook():
    """The check itself: the migration Job run as a release object's ServiceAccount (the
    chart before this test) is reported, with the reason."""
    rendered = chart.render_default()
    job = rendered.get("Job", "saas-migrate")
    chart.pod_spec(job)["serviceAccountName"] = "saas-admin"
    chart.pod_spec(job)["containers"][0]["envFrom"].append({"configMapRef": {"name": "saas"}})
    problems = unresolved_hook_references(rendered)
    assert any("needs ServiceAccount/saas-admin, which is not a hook" in p for p in problems), problems
    assert any("needs ConfigMap/saas, which is not a hook" in p for p in problems), problems


def test_the_migration_job_runs_as_its_own_hook_service_account():
    """Its own identity, made before it at every install and upgrade and deleted with it
    once the phase succeeded; the release's ServiceAccounts are untouched by hooks."""
    for render in RENDERS.values():
        rendered = render()
        job = rendered.get("Job", "saas-migrate")
        account = rendered.get("ServiceAccount", chart.pod_spec(job)["serviceAccountName"])
        assert account["metadata"]["name"] == "saas-migrate"
        assert hook_phases(account) == INSTALL_PHASES
        assert account["automountServiceAccountToken"] is False
        policy = set(account["metadata"]["annotations"]["helm.sh/hook-delete-policy"].split(","))
        assert policy == {"before-hook-creation", "hook-succeeded"}
