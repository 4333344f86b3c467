"""The monitoring objects as a Prometheus Operator installation would run them.

- The app's ``service`` label survives the ServiceMonitor: the operator sets a target
  label of the same name (the Service), so without relabeling the app's comes out as
  ``exported_service`` and every query of docs/observability.md, the rules and the
  dashboards by ``service`` breaks. Checked with a real Prometheus scraping a real
  endpoint under the scrape configuration the operator generates from the ServiceMonitor.
- Every rule, alert and dashboard query selects this release's series only (another
  team's ``http_requests_total``, another ``*worker`` job, another container named
  ``worker`` never reach them), and the queue's depth is counted once, not per worker.
- Every alert's runbook_url points at an anchor of docs/observability.md.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import promql_parser
import pytest
import yaml

from tests.deploy import chart
from tests.observability.grafana import panel_queries
from tests.support.servers import process_server

RELEASE, NAMESPACE = "shop", "team-a"
FULLNAME = "shop-saas"
OBSERVABILITY = chart.ROOT / "docs" / "observability.md"
# Series that do not come from this chart's ServiceMonitors: kube-state-metrics' (scoped
# by namespace and the release's pod names) and the load generator's (scoped by testid).
KSM = re.compile(r"^kube_")
K6 = re.compile(r"^k6_")


def selectors(expr: str) -> list[tuple[str, dict[str, tuple[str, str]]]]:
    """(metric name, {label: (op, value)}) of every vector selector of a PromQL expression."""
    found = []

    def visit(node):
        if isinstance(node, promql_parser.VectorSelector):
            matchers = {m.name: (str(m.op).split(".")[-1], m.value) for m in node.matchers.matchers}
            found.append((node.name or matchers.get("__name__", ("", ""))[1], matchers))
        return True

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


def prod_rules() -> list[dict]:
    rendered = chart.render(chart.PROD_VALUES, overrides=chart.PROD_SECRETS, name=RELEASE, namespace=NAMESPACE)
    (rule,) = rendered.of_kind("PrometheusRule")
    return [r for group in rule["spec"]["groups"] for r in group["rules"]]


def test_every_rule_selects_this_releases_series_only():
    rules = prod_rules()
    assert len(rules) >= 15
    for rule in rules:
        for name, matchers in selectors(rule["expr"]):
            if ":" in name:  # a series recorded by a rule above, from scoped selectors
                continue
            where = f"{rule.get('record') or rule.get('alert')}: {name}"
            assert matchers.get("namespace") == ("Equal", NAMESPACE), where
            if KSM.match(name):
                op, pods = matchers["pod"]
                assert op == "Re" and pods.startswith(f"{FULLNAME}-("), where
            else:
                assert matchers.get("saas_release") == ("Equal", RELEASE), where


def test_user_slis_leave_out_probes_and_scrapes_and_are_kept_per_service():
    slis = [r for r in prod_rules() if r.get("record", "").startswith("service:http_requests_errors")]
    assert {r["record"].rsplit("_", 1)[1] for r in slis} == {"rate5m", "rate30m", "rate1h", "rate6h", "rate3d"}
    for rule in slis:
        assert "sum by (namespace, saas_release, framework, service)" in rule["expr"]
        for _, matchers in selectors(rule["expr"]):
            assert matchers["route"] == ("NotRe", "/healthz|/readyz|/metrics"), rule["record"]


def test_every_alert_links_its_runbook_in_the_observability_doc():
    anchors = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', OBSERVABILITY.read_text()))
    base = chart.load_values(chart.CHART / "values.yaml")["metrics"]["prometheusRule"]["runbookBaseUrl"]
    alerts = [r for r in prod_rules() if "alert" in r]
    for alert in alerts:
        url = alert["annotations"]["runbook_url"]
        page, _, anchor = url.partition("#")
        assert page == base and anchor == alert["alert"].lower() and anchor in anchors, url


def shipped_dashboards() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((chart.CHART / "dashboards").glob("*.json"))}


def grafana_free(expr: str) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: "1m" if m.group(1).startswith("__") else m.group(0), expr)


def test_every_dashboard_query_selects_the_chosen_release():
    for name, board in shipped_dashboards().items():
        variables = {v["name"]: v for v in board["templating"]["list"]}
        assert "saas_release" in variables["release"]["query"], name
        for title, expr in panel_queries(board):
            for metric, matchers in selectors(grafana_free(expr)):
                if K6.match(metric):
                    continue
                where = f"{name} / {title}: {metric}"
                assert matchers.get("namespace") == ("Re", "$namespace"), where
                if not KSM.match(metric):
                    assert matchers.get("saas_release") == ("Re", "$release"), where


def test_the_queue_depth_is_counted_once_not_once_per_worker():
    """Every worker reads the whole queue from Redis: the depth is the largest reading."""
    exprs = [e for board in shipped_dashboards().values() for _, e in panel_queries(board)]
    exprs += [r["expr"] for r in prod_rules()]
    rendered = chart.render(chart.PROD_VALUES, overrides=chart.PROD_SECRETS, name=RELEASE, namespace=NAMESPACE)
    exprs += [so["spec"]["triggers"][0]["metadata"]["query"] for so in rendered.of_kind("ScaledObject")]
    depth = [e for e in exprs if "worker_queue_depth" in e]
    assert len(depth) >= 3
    for expr in depth:
        assert not re.search(r"\bsum\b(\s*by\s*\([^)]*\))?\s*\(\s*worker_queue_depth", expr), expr
        assert re.search(r"\bmax\b(\s*by\s*\([^)]*\))?\s*\(\s*worker_queue_depth|release:worker_queue_depth:max",
                         expr), expr


# --- the ServiceMonitor under a real Prometheus -----------------------------------------

APP_METRICS = (b'# TYPE http_requests_total counter\n'
               b'http_requests_total{service="auth",framework="fastapi",method="GET",route="/auth/me",status="200"} 7\n')


def _snake(key: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), key)


def _relabel(configs: list[dict]) -> list[dict]:
    return [{_snake(k): v for k, v in c.items()} for c in configs]


@pytest.fixture
def app_endpoint() -> Iterator[str]:
    class Metrics(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.end_headers()
            self.wfile.write(APP_METRICS)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Metrics)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_apps_service_label_survives_the_service_monitor(app_endpoint, tmp_path: Path):
    rendered = chart.render(chart.PROD_VALUES, overrides=chart.PROD_SECRETS, name=RELEASE, namespace=NAMESPACE)
    (endpoint,) = rendered.get("ServiceMonitor", f"{FULLNAME}-auth")["spec"]["endpoints"]
    # The target labels the operator's generated job gives every target of this
    # endpoint (from the Endpoints and the pod), then the endpoint's own relabelings.
    operator_labels = {"namespace": NAMESPACE, "service": f"{FULLNAME}-auth", "pod": f"{FULLNAME}-auth-7d9f8-x2x4q",
                       "container": "auth", "endpoint": endpoint["port"]}
    config = {
        "global": {"scrape_interval": "1s"},
        "scrape_configs": [{
            "job_name": f"serviceMonitor/{NAMESPACE}/{FULLNAME}-auth/0",
            "metrics_path": endpoint["path"],
            "honor_labels": endpoint.get("honorLabels", False),
            "static_configs": [{"targets": [app_endpoint], "labels": operator_labels}],
            "relabel_configs": [{"target_label": "job", "replacement": f"{FULLNAME}-auth"},
                                *_relabel(endpoint.get("relabelings", []))],
            "metric_relabel_configs": _relabel(endpoint.get("metricRelabelings", [])),
        }],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    command = ["prometheus", f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'data'}",
               "--web.listen-address=127.0.0.1:{port}"]
    with process_server(command, {}, health_path="/-/ready", log_path=tmp_path / "prometheus.log") as url:
        deadline = time.monotonic() + 30
        result: list = []
        while not result and time.monotonic() < deadline:
            body = httpx.get(f"{url}/api/v1/query", params={"query": "http_requests_total"}, timeout=5).json()
            result = body["data"]["result"]
            time.sleep(0.5)
    assert result, (tmp_path / "prometheus.log").read_text()[-2000:]
    (labels,) = [r["metric"] for r in result]
    assert labels["service"] == "auth" and "exported_service" not in labels, labels
    assert labels["saas_release"] == RELEASE and labels["namespace"] == NAMESPACE
    # The query docs/observability.md and the rules use, by service, answers.
    assert labels["framework"] == "fastapi" and labels["route"] == "/auth/me"
