"""The Django service's guard against bad input, by ``saaskit.bad_input``'s rules.

Invariant: as on the FastAPI services (``saaskit.web.bad_input``), no view, parser or
database sees a JSON or form body over ``max_body_bytes`` (413 from ``Content-Length``,
before a byte is read: Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is the same limit), nor
a query string or body that ``saaskit.bad_input`` refuses (400/422); multipart
bodies are left to Django's parser, whose limits (``DATA_UPLOAD_MAX_NUMBER_FIELDS`` /
``_FILES``) ``admin_service.api.exceptions`` answers 413. One middleware, so every view,
the DRF API's and the admin's, present and future, is covered.

A chunked body, which Django would not see at all, is made readable (or refused) before
Django runs, by ``admin_service.api.chunked``.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig

from admin_service import runtime
from admin_service.api.chunked import UPLOAD_PATHS  # they stream under max_upload_bytes
from admin_service.api.exceptions import problem_response
from saaskit.bad_input import (
    FORM,
    MAX_FORM_PARTS,
    MULTIPART,
    inspect_form,
    inspect_json,
    inspect_query,
    is_json,
    media_type,
    too_large,
    too_many_parts,
)
from saaskit.problems import ProblemError

_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})


def _problem(err: ProblemError):
    return problem_response(err.body(), err.headers)


def _declared_length(request) -> int | None:
    raw = request.META.get("CONTENT_LENGTH") or "0"
    return int(raw) if raw.isdigit() else None


class BadInputMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        # PEP 3333: QUERY_STRING is the raw bytes decoded as latin-1, so this is lossless.
        err = inspect_query(request.META.get("QUERY_STRING", "").encode("latin-1"))
        if err is None and request.method not in _NO_BODY and request.path not in UPLOAD_PATHS:
            err = self._inspect_body(request)
        if err is not None:
            return _problem(err)
        return self.get_response(request)

    def _inspect_body(self, request) -> ProblemError | None:
        length = _declared_length(request)
        if length is None or length > runtime.app_settings().max_body_bytes:
            return too_large()
        content_type = request.META.get("CONTENT_TYPE")
        kind = media_type(content_type)
        if kind == MULTIPART:
            return None  # Django's parser counts its parts
        if not (kind == FORM or is_json(content_type)):
            return None
        try:
            body = request.body
        except RequestDataTooBig:
            return too_large()
        if kind == FORM:
            return too_many_parts() if body.count(b"&") >= MAX_FORM_PARTS else inspect_form(body)
        return inspect_json(body)

