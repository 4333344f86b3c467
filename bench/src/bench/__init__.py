"""The load comparison: k6 scenarios, the floor app, the harness and the report."""
