"""The files API's errors, worded once for both implementations (a given failure is the
same status and body on FastAPI and on Django)."""

from __future__ import annotations

from saaskit.problems import ProblemError, not_found, unavailable, validation_error


def file_not_found() -> ProblemError:
    return not_found("file")


def too_large(limit: int) -> ProblemError:
    return ProblemError(413, f"the file is larger than the limit of {limit} bytes",
                        title="Content Too Large")


def unsupported_type(detected: str) -> ProblemError:
    return ProblemError(415, f"files of type {detected} are not accepted",
                        title="Unsupported Media Type")


def not_multipart() -> ProblemError:
    return ProblemError(415, "send the file as multipart/form-data with a part named 'file'",
                        title="Unsupported Media Type")


def missing_file_part() -> ProblemError:
    return validation_error(["body", "file"], "a part named 'file' is required")


def malformed_body() -> ProblemError:
    return ProblemError(400, "the multipart body is malformed or incomplete", title="Bad Request")


def storage_unavailable() -> ProblemError:
    """The object store did not answer (``saaskit.storage.StorageUnavailable``): 503."""
    return unavailable("the storage")
