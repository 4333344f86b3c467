"""The DRF glue every domain app shares: bearer auth, problem+json errors, strict
serializers, keyset pagination, request metrics."""
