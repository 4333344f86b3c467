"""Health, readiness, metrics and API docs."""
