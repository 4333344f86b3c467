"""Production renders are the same every time, as GitOps needs them.

`helm template`, ArgoCD and `helm diff` render without the cluster: `lookup` answers
empty there, so a secret the chart generates (the JWT signing key, kept across upgrades
by `lookup` under the helm CLI only) would be a new one on every render and every sync
would log every user out. Production values must therefore name the signing keys'
Secret; a render that would generate one is refused with a message that says how.
"""

from __future__ import annotations

import helm_python
import pytest

from tests.deploy import chart

NO_JWT = {"jwt": {"existingSecret": ""}}


def test_production_values_that_would_generate_the_signing_key_are_refused():
    with pytest.raises(helm_python.HelmRenderError) as err:
        chart.render(chart.PROD_VALUES, overrides=chart.merge(chart.PROD_SECRETS, NO_JWT))
    message = str(err.value)
    assert "production values: jwt.existingSecret is empty" in message
    assert "kubectl create secret generic" in message and "jwt.generateInProduction" in message


def test_every_production_render_the_chart_accepts_is_the_same_twice():
    """What ArgoCD or `helm diff` would see at two syncs of the same commit: each value
    set either renders identically twice or is refused."""
    accepted = 0
    for overrides in (chart.PROD_SECRETS, chart.merge(chart.PROD_SECRETS, NO_JWT),
                      {"secrets": {"existingSecret": "saas-env"}, "jwt": {"existingSecret": "saas-jwt"}},
                      {"secrets": {"existingSecret": "saas-env"}}):
        try:
            first = chart.render(chart.PROD_VALUES, overrides=overrides)
        except helm_python.HelmRenderError as err:
            assert "production values" in str(err)
            continue
        accepted += 1
        assert chart.render(chart.PROD_VALUES, overrides=overrides).manifests == first.manifests, overrides
    assert accepted == 2


def test_no_generated_secret_in_a_production_render():
    rendered = chart.render_prod()
    assert "saas-jwt-keys" not in {s["metadata"]["name"] for s in rendered.of_kind("Secret")}
    for svc in ("auth", "admin"):
        volumes = {v["name"]: v for v in chart.pod_spec(rendered.get("Deployment", f"saas-{svc}"))["volumes"]}
        assert volumes["jwt-keys"]["secret"]["secretName"] == chart.PROD_SECRETS["jwt"]["existingSecret"]


def test_helm_cli_installs_may_still_let_the_chart_keep_a_generated_key():
    """The explicit opt-in for an install made by the helm CLI against the cluster,
    where `lookup` reads the key back at every upgrade."""
    rendered = chart.render(chart.PROD_VALUES, overrides=chart.merge(
        chart.PROD_SECRETS, {"jwt": {"existingSecret": "", "generateInProduction": True}}))
    secret = rendered.get("Secret", "saas-jwt-keys")
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"


def test_development_renders_still_generate_the_key():
    assert chart.render_default().get("Secret", "saas-jwt-keys")["data"]["0001.pem"]
