"""Helpers shared by the test suites: servers on free ports, API clients."""
