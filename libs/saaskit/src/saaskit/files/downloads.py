"""The headers of a file download, the same on both stacks (contract: "Files").

Invariant: a stored file is only ever downloaded, never rendered or sniffed. The bytes
go out as an ``attachment`` (RFC 6266, the exact name as RFC 5987 ``filename*``) with
the stored type exactly as detected at upload (no ``charset`` added: the bytes are the
user's, as uploaded), ``nosniff``, a sandboxing CSP in case a browser opens it anyway,
and no caching outside the owner's browser. A presigned redirect is not cached either:
its URL expires within minutes.
"""

from __future__ import annotations

from saaskit.files.types import content_disposition

NOSNIFF = "nosniff"
SANDBOX = "default-src 'none'; sandbox"
PRIVATE = "private, no-store"
NO_STORE = "no-store"


def download_headers(*, filename: str, content_type: str, size: int) -> dict[str, str]:
    """Every header of a streamed download (200), ``Content-Type`` included."""
    return {
        "Content-Type": content_type,
        "Content-Length": str(size),
        "Content-Disposition": content_disposition(filename),
        "X-Content-Type-Options": NOSNIFF,
        "Content-Security-Policy": SANDBOX,
        "Cache-Control": PRIVATE,
    }


def redirect_headers(url: str) -> dict[str, str]:
    """The headers of a 307 to a presigned URL."""
    return {"Location": url, "Cache-Control": NO_STORE}
