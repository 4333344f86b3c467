"""The dashboards as code: the committed JSON is exactly what ``make dashboards``
generates, each is a Grafana 11 dashboard the chart can ship, and every panel query is
valid PromQL once Grafana's variables are substituted."""

from __future__ import annotations

import json
from pathlib import Path

import promql_parser
import pytest
from dashboards.build import DASHBOARDS, render

from tests.observability.grafana import panel_queries, substitute

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "helm/saas/dashboards"


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_committed_json_is_what_the_code_generates(name):
    committed = COMMITTED / f"{name}.json"
    assert committed.exists(), f"run `make dashboards`: {committed} is missing"
    assert committed.read_text() == render(name), f"run `make dashboards`: {committed} is stale"


def test_no_stray_dashboard_is_committed():
    assert {p.stem for p in COMMITTED.glob("*.json")} == set(DASHBOARDS)


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_every_query_parses(name):
    board = json.loads(render(name))
    assert board["uid"].startswith("saas-") and board["title"]
    variables = {v["name"] for v in board["templating"]["list"]}
    assert {"datasource", "namespace"} <= variables
    queries = panel_queries(board)
    assert queries
    for title, expr in queries:
        promql_parser.parse(substitute(expr))  # raises on a syntax error
        assert title
