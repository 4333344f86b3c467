"""A chunked request body made visible to Django, within the body limit.

Invariant: Django reads ``CONTENT_LENGTH`` bytes of a body, so a chunked one (no
``Content-Length``) reached the views as empty, where the FastAPI services count its
bytes and refuse it past ``max_body_bytes``. This WSGI wrapper, outside Django, reads
at most ``max_body_bytes`` + 1 bytes of it (memory stays bounded whatever the client
sends), and answers 413 past the limit, or hands the body on with its length, for the
bad-input guard (``admin_service.api.bad_input``) and the views to see. Upload paths
are left alone: their views stream the body under their own limit.
"""

from __future__ import annotations

import io

import orjson

from saaskit.bad_input import too_large
from saaskit.problems import PROBLEM_JSON
from saaskit.settings import Settings

UPLOAD_PATHS = frozenset({"/files"})


class ChunkedBodies:
    def __init__(self, app, settings: Settings) -> None:
        self.app = app
        self.limit = settings.max_body_bytes

    def __call__(self, environ, start_response):
        if (
            environ.get("CONTENT_LENGTH")
            or "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
            or environ.get("PATH_INFO") in UPLOAD_PATHS
        ):
            return self.app(environ, start_response)
        data = environ["wsgi.input"].read(self.limit + 1)
        if len(data) > self.limit:
            body = orjson.dumps(too_large().body())
            start_response("413 Content Too Large", [
                ("Content-Type", PROBLEM_JSON),
                ("Content-Length", str(len(body))),
                ("X-Content-Type-Options", "nosniff"),
                ("Connection", "close"),  # the rest of the body is never read
            ])
            return [body]
        environ["wsgi.input"] = io.BytesIO(data)
        environ["CONTENT_LENGTH"] = str(len(data))
        return self.app(environ, start_response)
