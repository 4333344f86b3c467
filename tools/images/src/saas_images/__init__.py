"""Container images of the five services, built and run without a Docker engine."""
