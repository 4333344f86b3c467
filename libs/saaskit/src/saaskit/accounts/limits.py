"""The bounds of an account's fields, as the API states them (contract: "Auth").

Invariant: these are the domain's rules, and everything else follows them: both stacks'
validators, the OpenAPI documents and the column sizes of ``users`` in
``saaskit.db.schema``. Changing one here changes what is accepted everywhere at once
(with a migration for a column that grows).
"""

from __future__ import annotations

EMAIL_MAX = 254
"""RFC 5321's longest deliverable address."""
USERNAME_MIN = 3
USERNAME_MAX = 32
USERNAME_PATTERN = rf"^[A-Za-z0-9_]{{{USERNAME_MIN},{USERNAME_MAX}}}$"
FULL_NAME_MAX = 200
PASSWORD_MIN = 8
PASSWORD_MAX = 128
