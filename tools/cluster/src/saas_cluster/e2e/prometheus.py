"""Step 8: Debian's Prometheus on the host, discovering the pods through the real API
server, with the chart's rules, and every dashboard query answered from the pods.

The scrape configuration is what the chart's rendered ServiceMonitors make the
Prometheus Operator write (endpoints discovery, ``job`` = the Service's name,
``namespace``/``service``/``pod``/``container``/``endpoint`` target labels, then each
endpoint's own relabelings and metric relabelings), and the rules are the rendered
PrometheusRule's groups, so the labels the rules and queries see are an Operator
install's. Debian's Prometheus has no Kubernetes discovery compiled in; this one is built
from the Go module (versions.toml).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from saas_cluster import build, configs
from saas_cluster.layout import ROOT, STATE

PORT = 19090
URL = f"http://127.0.0.1:{PORT}"
DASHBOARDS = ROOT / "helm" / "saas" / "dashboards"
NAMESPACE = "saas-dev"
RELEASE = "saas"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _relabel(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{_snake(k): v for k, v in rule.items()} for rule in rules]


def rendered_monitoring(values: list[Path]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The release's ServiceMonitors and PrometheusRule groups, as the chart renders them
    for the dev install (with the monitoring objects on)."""
    from saas_cluster.e2e.kube import CHART, helm

    args = ["template", RELEASE, str(CHART), "-n", NAMESPACE, "--set", "checkApis=false"]
    for path in values:
        args += ["-f", str(path)]
    args += ["--set", "metrics.serviceMonitor.enabled=true", "--set", "metrics.prometheusRule.enabled=true"]
    docs = [d for d in yaml.safe_load_all(helm(*args).stdout) if d]
    monitors = [d for d in docs if d["kind"] == "ServiceMonitor"]
    groups = [g for d in docs if d["kind"] == "PrometheusRule" for g in d["spec"]["groups"]]
    return monitors, groups


def config(monitors: list[dict[str, Any]], rule_file: Path) -> dict[str, Any]:
    """One scrape job per ServiceMonitor endpoint, as the Prometheus Operator writes it."""
    pki = STATE / "pki"
    meta = "__meta_kubernetes_"
    jobs = []
    for monitor in monitors:
        selector = monitor["spec"]["selector"]["matchLabels"]
        namespaces = monitor["spec"].get("namespaceSelector", {}).get("matchNames", [NAMESPACE])
        for index, endpoint in enumerate(monitor["spec"]["endpoints"]):
            name = monitor["metadata"]["name"]
            keep = [{"source_labels": [f"{meta}service_label_{re.sub(r'[^a-zA-Z0-9]', '_', k)}"],
                     "regex": v, "action": "keep"} for k, v in selector.items()]
            jobs.append({
                "job_name": f"serviceMonitor/{monitor['metadata']['namespace']}/{name}/{index}",
                "metrics_path": endpoint.get("path", "/metrics"),
                "scrape_interval": "5s",
                "honor_labels": endpoint.get("honorLabels", False),
                "kubernetes_sd_configs": [{
                    "api_server": configs.APISERVER, "role": "endpoints",
                    "namespaces": {"names": namespaces},
                    "tls_config": {"ca_file": str(pki / "ca.crt"), "cert_file": str(pki / "admin.crt"),
                                   "key_file": str(pki / "admin.key")}}],
                "relabel_configs": [
                    *keep,
                    {"source_labels": [f"{meta}endpoint_port_name"], "regex": endpoint["port"], "action": "keep"},
                    {"source_labels": [f"{meta}namespace"], "target_label": "namespace"},
                    {"source_labels": [f"{meta}service_name"], "target_label": "service"},
                    {"source_labels": [f"{meta}pod_name"], "target_label": "pod"},
                    {"source_labels": [f"{meta}pod_container_name"], "target_label": "container"},
                    {"source_labels": [f"{meta}service_name"], "target_label": "job"},
                    {"target_label": "endpoint", "replacement": endpoint["port"]},
                    *_relabel(endpoint.get("relabelings", [])),
                ],
                "metric_relabel_configs": _relabel(endpoint.get("metricRelabelings", [])),
            })
    # kube-state-metrics as kube-prometheus-stack scrapes it: its own labels kept.
    jobs.append({
        "job_name": "kube-state-metrics", "honor_labels": True, "scrape_interval": "5s",
        "kubernetes_sd_configs": [{**jobs[0]["kubernetes_sd_configs"][0], "namespaces": {"names": ["kube-system"]}}],
        "relabel_configs": [
            {"source_labels": [f"{meta}service_name"], "regex": "kube-state-metrics", "action": "keep"},
            {"source_labels": [f"{meta}endpoint_port_name"], "regex": "http-metrics", "action": "keep"},
        ],
    })
    return {"global": {"scrape_interval": "5s", "evaluation_interval": "5s"},
            "rule_files": [str(rule_file)], "scrape_configs": jobs}


# A job that fails for good (a payload naming no file), queued from inside the worker pod
# with the kit's own calls: the worker dashboards' failure panels need one to show data.
FAILING_JOB = """
import asyncio, sys
from arq import create_pool
from sqlalchemy import insert
from saaskit import queue
from saaskit.db.engine import create_engine
from saaskit.db.schema import jobs
from saaskit.settings import get_settings
from worker.main import _redis_settings

async def main(owner):
    settings = get_settings()
    engine = create_engine(settings)
    async with engine.begin() as conn:
        row = (await conn.execute(insert(jobs).values(owner_id=owner, type="process_file",
               payload={"file_id": "no-such-file"}).returning(jobs.c.id))).scalar_one()
    await engine.dispose()
    pool = await create_pool(_redis_settings(settings), default_queue_name=settings.queue_name,
                             job_serializer=queue.serialize, job_deserializer=queue.deserialize)
    await queue.enqueue(pool, queue.PROCESS_FILE, row)
    await pool.aclose()
    print(row)

asyncio.run(main(int(sys.argv[1])))
"""


def queue_failing_job(owner: int) -> str:
    from saas_cluster.node import kubectl

    out = kubectl("-n", NAMESPACE, "exec", f"deploy/{RELEASE}-worker", "-c", "worker", "--",
                  "python", "-c", FAILING_JOB, str(owner), timeout=120)
    return out.stdout.strip().splitlines()[-1]


def dashboard_queries() -> list[tuple[str, str, str]]:
    """(dashboard, panel title, expr) with Grafana's macros and variables substituted."""
    found = []

    def walk(board: str, panels: list[dict[str, Any]]) -> None:
        for panel in panels or []:
            walk(board, panel.get("panels", []))
            for target in panel.get("targets", []) or []:
                if target.get("expr"):
                    found.append((board, panel.get("title", ""), substitute(target["expr"])))

    for path in sorted(DASHBOARDS.glob("*.json")):
        walk(path.stem, json.loads(path.read_text()).get("panels", []))
    return found


def substitute(expr: str) -> str:
    expr = expr.replace("$__rate_interval", "1m").replace("$__interval", "30s").replace("$__range", "5m")
    # Every template variable is used as a regex match (=~): all of its values.
    return re.sub(r"\$\{?(\w+)\}?", ".+", expr)


def query(expr: str) -> list[dict[str, Any]]:
    r = httpx.get(f"{URL}/api/v1/query", params={"query": expr}, timeout=30)
    r.raise_for_status()
    return r.json()["data"]["result"]


def run_prometheus_checks(d: dict[str, Any]) -> None:
    from saas_cluster.e2e import steps

    binary = str(build.build_go_program("prometheus", lambda m: None))
    monitors, groups = rendered_monitoring([steps.VALUES_DEV, steps.dev_values()])
    d["ServiceMonitors rendered and turned into scrape jobs"] = len(monitors)
    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules.yaml"
        rules.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
        conf = Path(tmp) / "prometheus.yml"
        conf.write_text(yaml.safe_dump(config(monitors, rules), sort_keys=False))
        proc = subprocess.Popen(
            [binary, f"--config.file={conf}", f"--storage.tsdb.path={tmp}/data",
             f"--web.listen-address=127.0.0.1:{PORT}", "--web.enable-remote-write-receiver"],
            stdout=(Path(tmp) / "log").open("wb"), stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{URL}/-/ready", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError("Prometheus never became ready")
                time.sleep(0.5)
            api = steps.ingress_client(steps.API_HOST)
            headers, me = steps.register(api, "prom")
            token = headers["Authorization"].split()[1]
            with tempfile.TemporaryDirectory() as k6tmp:
                env = {**os.environ, "K6_PROMETHEUS_RW_SERVER_URL": f"{URL}/api/v1/write",
                       "K6_PROMETHEUS_RW_TREND_STATS": "p(95),p(99),min,max"}
                load = steps.k6_run(Path(k6tmp) / "s.json", duration="75s", rate=10, token=token,
                                    user_id=me["id"], extra_args=["-o", "experimental-prometheus-rw",
                                                                  "--tag", "testid=e2e"], env=env)
                jobs = steps._queue_exports(api, headers, 5)
                jobs.append(queue_failing_job(me["id"]))
                load.wait(timeout=200)
            d["jobs queued (5 exports, 1 that fails for good)"] = steps._wait_jobs(api, headers, jobs)
            time.sleep(15)
            targets = httpx.get(f"{URL}/api/v1/targets").json()["data"]["activeTargets"]
            d["scrape targets up"] = sorted(f"{t['labels']['job']} {t['labels'].get('pod', '')}"
                                            for t in targets if t["health"] == "up")
            down = [t["scrapeUrl"] for t in targets if t["health"] != "up"]
            d["scrape targets down"] = down
            groups = httpx.get(f"{URL}/api/v1/rules").json()["data"]["groups"]
            rules = [r for g in groups for r in g["rules"]]
            d["rules loaded (healthy / all)"] = f"{sum(r['health'] == 'ok' for r in rules)} / {len(rules)}"
            empty, single = [], []
            answered = 0
            for board, title, expr in dashboard_queries():
                result = query(expr)
                if not result:
                    empty.append(f"{board} / {title}: {expr}")
                    continue
                answered += 1
                if "framework" in expr:
                    frameworks = {r["metric"].get("framework") for r in result}
                    if not {"fastapi", "django"} <= frameworks:
                        single.append(f"{board} / {title}: {sorted(map(str, frameworks))}")
            d["dashboard queries with data"] = answered
            d["dashboard queries without data"] = empty
            d["framework queries missing one implementation"] = single
            # The labels docs/observability.md promises, as the queries there read them.
            promised = ("namespace", "saas_release", "service", "framework", "route", "method", "status")
            sample = query("http_requests_total")
            missing = sorted({k for r in sample for k in promised if k not in r["metric"]})
            d["labels on http_requests_total"] = sorted({k for r in sample for k in r["metric"]})
            d["promised labels missing"] = missing
            services = query("count by (service, framework) (http_requests_total)")
            d["series by service and framework"] = sorted(
                f"{r['metric'].get('service')} ({r['metric'].get('framework')})" for r in services)
            empty += [f"label {k} missing on http_requests_total" for k in missing]
            if down or empty or single or any(r["health"] != "ok" for r in rules):
                raise RuntimeError(f"{len(down)} targets down, {len(empty)} empty queries, "
                                   f"{len(single)} one-sided, unhealthy rules present")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
