"""``make e2e``: the chart's user workflows run against the real cluster, step by step."""
