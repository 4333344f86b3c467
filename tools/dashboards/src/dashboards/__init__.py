"""Grafana dashboards generated from Python (grafana-foundation-sdk)."""
