"""The operators' objects (ServiceMonitor, PrometheusRule, ScaledObject) render only where
the cluster serves their API: asked for on a cluster without the CRDs, the render is
refused with a message that names the value and the missing API, instead of an install
that fails half-way on "no matches for kind". `helm install`, ArgoCD and Flux see the
cluster's APIs; an offline `helm template` passes --api-versions or checkApis=false."""

from __future__ import annotations

import helm_python
import pytest

from tests.deploy import chart

BUILT_IN_ONLY: tuple[str, ...] = ()


@pytest.mark.parametrize(("value", "api", "alone"), [
    ("metrics.serviceMonitor.enabled", "monitoring.coreos.com/v1/ServiceMonitor",
     {"metrics": {"prometheusRule": {"enabled": False}}}),
    ("metrics.prometheusRule.enabled", "monitoring.coreos.com/v1/PrometheusRule",
     {"metrics": {"serviceMonitor": {"enabled": False}}}),
    ("worker.autoscaling.keda.enabled", "keda.sh/v1alpha1/ScaledObject", {}),
])
def test_asked_for_on_a_cluster_without_the_api_is_refused_with_the_value_named(value, api, alone):
    present = tuple(a for a in chart.CLUSTER_APIS if not a.startswith(api.split("/")[0]))
    with pytest.raises(helm_python.HelmRenderError) as err:
        chart.render(chart.PROD_VALUES, overrides=chart.merge(chart.PROD_SECRETS, alone), api_versions=present)
    message = str(err.value)
    assert f"{value} is on, but the cluster serves no {api}" in message
    assert f"--api-versions {api}" in message and "checkApis=false" in message


def test_with_the_apis_every_object_renders():
    kinds = {d["kind"] for d in chart.render_prod().docs}
    assert {"ServiceMonitor", "PrometheusRule", "ScaledObject"} <= kinds


def test_an_offline_render_may_skip_the_check():
    rendered = chart.render(chart.PROD_VALUES, overrides=chart.merge(chart.PROD_SECRETS, chart.LINT_OFFLINE),
                            api_versions=BUILT_IN_ONLY)
    assert {"ServiceMonitor", "PrometheusRule", "ScaledObject"} <= {d["kind"] for d in rendered.docs}


def test_not_asked_for_needs_no_api():
    rendered = chart.render(api_versions=BUILT_IN_ONLY)
    assert not {"ServiceMonitor", "PrometheusRule", "ScaledObject"} & {d["kind"] for d in rendered.docs}
