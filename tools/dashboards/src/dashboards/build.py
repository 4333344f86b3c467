"""The three Grafana dashboards, as code (grafana-foundation-sdk, Grafana 11 types).

Invariant: every query is built here and nowhere else; ``make dashboards`` writes them
as JSON to ``helm/saas/dashboards/`` (the chart ships each as a ConfigMap for Grafana's
sidecar), and tests/observability checks that the committed JSON is exactly what this
code generates and that every query returns data from a real Prometheus scraping both
implementations.

Every query selects one release's series (``saas_release``, the target label the chart's
ServiceMonitors add, chosen by the ``release`` variable) in the chosen namespaces, so
another team's ``http_requests_total`` in the same namespace never shows here.

Every series of the comparison is split by ``framework`` (fastapi | django). Process
metrics (CPU, memory) carry no framework label of their own: they borrow it from the
``http_requests_in_progress`` series of the same scrape target (``group_left``).
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.builders import prometheus, stat, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef, VariableRefresh, VariableSort

DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
NS = 'namespace=~"$namespace", saas_release=~"$release"'
# kube-state-metrics' series carry no release label: the namespace only.
KSM_NS = 'namespace=~"$namespace"'
# The framework of each scrape target, to label its process metrics.
FRAMEWORK_OF_TARGET = (f"group_left(framework) max by (namespace, job, instance, framework) "
                       f"(http_requests_in_progress{{{NS}}})")
TAGS = ["saas", "generated"]


def query(expr: str, legend: str, ref: str = "A") -> prometheus.Dataquery:
    return prometheus.Dataquery().expr(expr).legend_format(legend).ref_id(ref).datasource(DATASOURCE)


def graph(title: str, unit: str, *targets: prometheus.Dataquery, description: str = "",
          width: int = 12) -> timeseries.Panel:
    panel = (timeseries.Panel().title(title).description(description).unit(unit).min(0)
             .datasource(DATASOURCE).height(8).span(width))
    for target in targets:
        panel = panel.with_target(target)
    return panel


def single(title: str, unit: str, target: prometheus.Dataquery, description: str = "") -> stat.Panel:
    return (stat.Panel().title(title).description(description).unit(unit).datasource(DATASOURCE)
            .height(4).span(6).with_target(target))


def datasource_variable() -> dash.DatasourceVariable:
    return dash.DatasourceVariable("datasource").label("Data source").type("prometheus")


def label_variable(name: str, label: str, source: str, multi: bool = True,
                   label_name: str | None = None) -> dash.QueryVariable:
    variable = (dash.QueryVariable(name).label(label).datasource(DATASOURCE)
                .query(f"label_values({source}, {label_name or name})").refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
                .sort(VariableSort.ALPHABETICAL_ASC).multi(multi).include_all(True).all_value(".*"))
    return variable


def base(uid: str, title: str, description: str) -> dash.Dashboard:
    return (dash.Dashboard(title).uid(uid).description(description).tags(TAGS).refresh("30s")
            .time("now-1h", "now").timezone("utc").with_variable(datasource_variable())
            .with_variable(label_variable("namespace", "Namespace", "http_requests_total"))
            .with_variable(label_variable("release", "Release", 'http_requests_total{namespace=~"$namespace"}',
                                          label_name="saas_release")))


def fastapi_vs_django() -> dash.Dashboard:
    sel = f'{NS}, route=~"$route"'
    by = "framework, method, route"
    rate_all = f"sum by ({by}) (rate(http_requests_total{{{sel}}}[$__rate_interval]))"
    rate_5xx = f'sum by ({by}) (rate(http_requests_total{{{sel}, status=~"5.."}}[$__rate_interval]))'

    def quantile(q: str, ref: str) -> prometheus.Dataquery:
        expr = (f"histogram_quantile({q}, sum by ({by}, le) "
                f"(rate(http_request_duration_seconds_bucket{{{sel}}}[$__rate_interval])))")
        return query(expr, f"p{q[2:].ljust(2, '0')} {{{{framework}}}} {{{{method}}}} {{{{route}}}}", ref)

    return (
        base("saas-fastapi-vs-django", "SaaS: FastAPI vs Django",
             "The two implementations side by side, per route: traffic, errors, latency, cost.")
        .with_variable(label_variable("route", "Route", f"http_requests_total{{{NS}}}"))
        .with_row(dash.Row("Per route: RED"))
        .with_panel(graph("Requests per second", "reqps",
                          query(rate_all, "{{framework}} {{method}} {{route}}")))
        .with_panel(graph(
            "Error ratio (5xx)", "percentunit",
            # "or ... * 0": a route with no 5xx yet shows 0, not a gap.
            query(f"({rate_5xx} or {rate_all} * 0) / {rate_all}", "{{framework}} {{method}} {{route}}"),
            description="Share of answers that are 5xx."))
        .with_panel(graph("Latency p50 / p95 / p99", "s", quantile("0.50", "A"), quantile("0.95", "B"),
                          quantile("0.99", "C"), width=24,
                          description="From the shared histogram http_request_duration_seconds."))
        .with_row(dash.Row("Servers"))
        .with_panel(graph("Requests in flight", "short",
                          query(f"sum by (framework) (http_requests_in_progress{{{NS}}})", "{{framework}}")))
        .with_panel(graph(
            "CPU seconds per 1,000 requests", "s",
            query(f"sum by (framework) (rate(process_cpu_seconds_total{{{NS}}}[$__rate_interval]) "
                  f"* on (namespace, job, instance) {FRAMEWORK_OF_TARGET}) "
                  f"/ sum by (framework) (rate(http_requests_total{{{NS}}}[$__rate_interval])) * 1000",
                  "{{framework}}"),
            description="All processes of the servers (masters and workers) over all requests."))
        .with_panel(graph(
            "Memory per pod", "bytes",
            query(f"sum by (framework, pod, instance) (process_resident_memory_bytes{{{NS}}} "
                  f"* on (namespace, job, instance) {FRAMEWORK_OF_TARGET})", "{{framework}} {{pod}}{{instance}}"),
            description="Resident memory of each server (master and workers together)."))
        .with_panel(graph(
            "Database pool", "short",
            query(f"sum by (framework) (db_pool_connections_in_use{{{NS}}})", "in use {{framework}}", "A"),
            query(f"sum by (framework) (db_pool_connections_waiting{{{NS}}})", "waiting {{framework}}", "B"),
            query(f"sum by (framework) (db_pool_connections_max{{{NS}}})", "max {{framework}}", "C")))
        .with_panel(graph(
            "Upload throughput", "Bps",
            query(f"sum by (framework) (rate(file_upload_size_bytes_sum{{{NS}}}[$__rate_interval]))",
                  "{{framework}}")))
        .with_row(dash.Row("Scaling (kube-state-metrics)"))
        .with_panel(graph(
            "Replicas available", "short",
            query(f"sum by (deployment) (kube_deployment_status_replicas_available{{{KSM_NS}}})", "{{deployment}}")))
        .with_panel(graph(
            "HPA desired vs current", "short",
            query(f"sum by (horizontalpodautoscaler) "
                  f"(kube_horizontalpodautoscaler_status_desired_replicas{{{KSM_NS}}})",
                  "desired {{horizontalpodautoscaler}}", "A"),
            query(f"sum by (horizontalpodautoscaler) "
                  f"(kube_horizontalpodautoscaler_status_current_replicas{{{KSM_NS}}})",
                  "current {{horizontalpodautoscaler}}", "B")))
    )


def worker_and_queue() -> dash.Dashboard:
    jobs = f"worker_jobs_total{{{NS}}}"
    return (
        base("saas-worker-queue", "SaaS: worker and queue",
             "Is the queue keeping up? Depth, waiting time, throughput, duration, retries and failures.")
        # Every worker reads the whole queue from Redis: the depth is the largest reading
        # (a sum would count the queue once per worker).
        .with_panel(single("Queue depth", "short",
                           query(f"max(worker_queue_depth{{{NS}}})", "waiting jobs")))
        .with_panel(single("Oldest job waiting", "s",
                           query(f"max(worker_queue_oldest_job_age_seconds{{{NS}}})", "oldest job")))
        .with_panel(single("Workers up", "short", query(f'sum(up{{{NS}, container="worker"}})', "workers")))
        .with_panel(single("Failed tries (range)", "short",
                           query(f'sum(increase(worker_jobs_total{{{NS}, outcome="failed"}}[$__range]))',
                                 "failed")))
        .with_panel(graph("Queue depth and oldest job", "short",
                          query(f"max(worker_queue_depth{{{NS}}})", "depth", "A"),
                          query(f"max(worker_queue_oldest_job_age_seconds{{{NS}}})", "oldest job (s)", "B")))
        .with_panel(graph("Jobs per second by type and outcome", "ops",
                          query(f"sum by (type, outcome) (rate({jobs}[$__rate_interval]))",
                                "{{type}} {{outcome}}")))
        .with_panel(graph(
            "Job duration p95", "s",
            query(f"histogram_quantile(0.95, sum by (type, le) "
                  f"(rate(worker_job_duration_seconds_bucket{{{NS}}}[$__rate_interval])))", "{{type}}")))
        .with_panel(graph(
            "Retries and failures", "short",
            query(f'sum by (type, outcome) (increase(worker_jobs_total{{{NS}, outcome=~"retried|failed"}}'
                  f"[$__rate_interval]))", "{{type}} {{outcome}}")))
    )


def load_test() -> dash.Dashboard:
    k6 = 'testid=~"$testid"'
    return (
        base("saas-load-test", "SaaS: load test",
             "A k6 run (remote-written to Prometheus, tagged testid) beside the servers' own figures "
             "for the same window.")
        .with_variable(label_variable("testid", "k6 test id", "k6_http_reqs_total"))
        .with_row(dash.Row("k6: what the clients saw"))
        .with_panel(graph("k6 requests per second", "reqps",
                          query(f"sum by (testid) (rate(k6_http_reqs_total{{{k6}}}[$__rate_interval]))",
                                "{{testid}}")))
        .with_panel(graph(
            "k6 latency p95 / p99", "s",
            query(f"max by (testid) (k6_http_req_duration_p95{{{k6}}})", "p95 {{testid}}", "A"),
            query(f"max by (testid) (k6_http_req_duration_p99{{{k6}}})", "p99 {{testid}}", "B")))
        .with_panel(graph("k6 failed requests", "percentunit",
                          query(f"avg by (testid) (k6_http_req_failed_rate{{{k6}}})", "{{testid}}")))
        .with_panel(graph("k6 virtual users", "short",
                          query(f"sum by (testid) (k6_vus{{{k6}}})", "{{testid}}")))
        .with_row(dash.Row("Servers: what they did"))
        .with_panel(graph("Server requests per second", "reqps",
                          query(f"sum by (framework) (rate(http_requests_total{{{NS}}}[$__rate_interval]))",
                                "{{framework}}")))
        .with_panel(graph(
            "Server latency p99", "s",
            query(f"histogram_quantile(0.99, sum by (framework, le) "
                  f"(rate(http_request_duration_seconds_bucket{{{NS}}}[$__rate_interval])))", "{{framework}}")))
        .with_panel(graph(
            "Server CPU (cores)", "short",
            query(f"sum by (framework) (rate(process_cpu_seconds_total{{{NS}}}[$__rate_interval]) "
                  f"* on (namespace, job, instance) {FRAMEWORK_OF_TARGET})", "{{framework}}")))
        .with_panel(graph(
            "Server 5xx per second", "reqps",
            query(f'sum by (framework) (rate(http_requests_total{{{NS}, status=~"5.."}}[$__rate_interval]) '
                  f"or rate(http_requests_total{{{NS}}}[$__rate_interval]) * 0)", "{{framework}}")))
    )


DASHBOARDS = {
    "fastapi-vs-django": fastapi_vs_django,
    "worker-and-queue": worker_and_queue,
    "load-test": load_test,
}


def render(name: str) -> str:
    """The dashboard's JSON, byte for byte what ``make dashboards`` writes."""
    return JSONEncoder(sort_keys=True, indent=2).encode(DASHBOARDS[name]().build()) + "\n"
