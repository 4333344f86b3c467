"""The bounds of posts, comments and the post search, as the API states them
(contract: "Posts", "Comments").

Invariant: the API's rules come first; both stacks' validators and the ``posts`` and
``comments`` columns and checks in ``saaskit.db.schema`` follow these numbers, so a body
the API accepts always fits the table.
"""

from __future__ import annotations

TITLE_MAX = 200
POST_BODY_MAX = 20_000
COMMENT_BODY_MAX = 5_000
SEARCH_MAX = 200
"""The longest ``q`` of ``GET /posts``."""
