"""Link previews (contract: ``POST /posts/{id}/preview``): fetch a page the caller names
and read its ``<title>`` and ``og:description``, for both stacks.

- ``policy``: what URL may be fetched and which addresses may be connected to (the SSRF
  policy), and the problems that refuse the rest.
- ``page``: the bytes of an answer to a title and a description.
- ``client``: the fetch itself, async (FastAPI) and sync (Django under gevent), with the
  address check done at connect time on the very address connected to.
"""

from saaskit.preview.client import AsyncPreviewClient, Preview, SyncPreviewClient
from saaskit.preview.policy import MAX_BODY_BYTES, MAX_REDIRECTS, MAX_URL_LENGTH, parse_url

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_REDIRECTS",
    "MAX_URL_LENGTH",
    "AsyncPreviewClient",
    "Preview",
    "SyncPreviewClient",
    "parse_url",
]
