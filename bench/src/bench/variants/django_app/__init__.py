"""The Django code the benchmark's three Django variants serve (``bench.variants.django_variants``).

Each variant is one settings module built on the shipped service's settings
(``admin_service.settings``: the same ``APP_*`` configuration, models, keys, token check,
exception handler and renderer), with its own URL conf of three routes: ``GET /users/{id}``,
``GET /users/{id}/overview`` and ``/healthz``. Nothing here is deployed; it exists so the
report can separate what Django/DRF cost from what the shipped service's tuning saves.
"""
