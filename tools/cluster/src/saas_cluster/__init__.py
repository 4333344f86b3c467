"""A real single-node Kubernetes on this machine, and the chart's end-to-end run on it."""
