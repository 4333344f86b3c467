"""What Grafana would send to Prometheus for a dashboard's panels: each target's
expression with the dashboard variables and ``$__rate_interval``/``$__range`` replaced."""

from __future__ import annotations

import re

# Values for a test: every label value ("All"), and a rate window that spans several
# scrapes at the tests' 1 s scrape interval.
DEFAULTS = {"namespace": ".*", "release": ".*", "route": ".*", "testid": ".*", "__rate_interval": "1m", "__range": "10m"}


def substitute(expr: str, values: dict[str, str] | None = None) -> str:
    values = {**DEFAULTS, **(values or {})}
    return re.sub(r"\$\{?(\w+)\}?", lambda m: values[m.group(1)], expr)


def panel_queries(board: dict) -> list[tuple[str, str]]:
    """(panel title, expression) of every target of every panel, rows included."""
    found = []
    for panel in board["panels"]:
        for inner in [panel, *panel.get("panels", [])]:
            for target in inner.get("targets", []):
                found.append((inner["title"], target["expr"]))
    return found
