"""The three routes every Django variant's URL conf serves, at the shipped service's
paths (``<id>`` taken as text: each variant checks it and answers 422 itself)."""

from __future__ import annotations

from django.urls import path
from django.urls.resolvers import URLPattern


def routes(user, overview, healthz) -> list[URLPattern]:
    return [
        path("users/<id>", user),
        path("users/<id>/overview", overview),
        path("healthz", healthz),
    ]
