"""DRF idiomatic: the shipped settings unchanged (middleware, pool, DRF defaults), except
the URL conf and DRF's own way of printing timestamps as the contract prints them
(``DATETIME_FORMAT``: UTC, microseconds, ``Z``) instead of the shipped ``TimestampField``."""

from admin_service.settings import *  # noqa: F403

ROOT_URLCONF = "bench.variants.django_app.drf_idiomatic"
REST_FRAMEWORK = {**REST_FRAMEWORK, "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%S.%fZ"}  # noqa: F405
