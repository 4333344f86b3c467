"""The files API's errors: shared with the FastAPI files service so both word them identically."""

from saaskit.file_problems import (  # noqa: F401
    file_not_found,
    missing_file_part,
    not_multipart,
    too_large,
    unsupported_type,
)
