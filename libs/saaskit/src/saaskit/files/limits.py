"""The bounds of a stored file's metadata (contract: "Files").

Invariant: ``saaskit.files.types.sanitize_filename`` cuts every display name to
``FILENAME_MAX`` characters, and the ``files.filename`` column in ``saaskit.db.schema``
is sized from the same number, so a sanitized name always fits. The size limit of an
upload is a setting (``MAX_UPLOAD_BYTES``), not a constant.
"""

from __future__ import annotations

FILENAME_MAX = 255
