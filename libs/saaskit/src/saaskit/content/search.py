"""The post search (``GET /posts?q=``), one rule and one statement shape for both stacks.

Invariant: a search is ``posts.title ILIKE '%<term>%'`` with the term's own ``%``, ``_``
and ``\\`` taken literally (PostgreSQL's default escape, the backslash), planned with the
pattern's value, so the trigram GIN index ``ix_posts_title_trgm`` serves it; a term too
short for the index is refused rather than run as a scan of every post.

- ``q`` is trimmed of surrounding whitespace. Empty (or absent, or only whitespace) is no
  filter. One or two characters are 422, loc ``["query", "q"]``: pg_trgm extracts no
  trigram from them, so ``ILIKE '%ab%'`` can only be a sequential scan (0.13 s on 400k
  posts, on both stacks, for any such query).
- The pattern must be planned with its value. Django's psycopg cursor binds values on
  the client, so PostgreSQL sees the literal and plans for it every time. asyncpg sends a
  prepared statement with the pattern as ``$1``; after five executions PostgreSQL may
  switch to a generic plan, which cannot tell a rare term from a common one and walked
  the ``(created_at, id)`` index filtering every row: a term that matches nothing took
  0.23-0.29 s instead of 0.005 s. The FastAPI service therefore runs ``FORCE_CUSTOM_PLAN``
  in the request's transaction before the search (one round trip, scoped to the
  transaction; the statement text stays one cached prepared statement, where inlining
  each term would fill asyncpg's statement cache with one-off statements).
"""

from __future__ import annotations

from saaskit.content.limits import SEARCH_MAX
from saaskit.problems import validation_error

SEARCH_MIN = 3
"""pg_trgm's trigram length: the shortest term the index can serve."""

LOC = ["query", "q"]
TOO_SHORT_MSG = f"String should have at least {SEARCH_MIN} characters (after trimming whitespace)"

FORCE_CUSTOM_PLAN = "SET LOCAL plan_cache_mode = force_custom_plan"

TRIMMED = " \t\n\r\x0b\x0c"
"""What "trimmed" takes off: ASCII whitespace, the set a JSON Schema pattern's class can
name exactly (str.strip() would also take \\x1c-\\x1f and Unicode spaces)."""
_WS = "[ \\t\\n\\r\\v\\f]"
_EDGE = "[^\\u0000 \\t\\n\\r\\v\\f]"
SEARCH_PATTERN = f"^{_WS}*({_EDGE}[^\\u0000]+{_EDGE})?{_WS}*$"
"""The rule as the API documents say it (both stacks' ``q``): blank, or at least
``SEARCH_MIN`` characters once trimmed; no NUL."""


def search_term(q: str | None) -> str | None:
    """The term to search for, or None for no filter; 422 when too short to index.
    (``q``'s longest length, ``SEARCH_MAX``, is each framework validator's.)"""
    if q is None:
        return None
    term = q.strip(TRIMMED)
    if not term:
        return None
    if len(term) < SEARCH_MIN:
        raise validation_error(list(LOC), TOO_SHORT_MSG)
    return term


def contains_pattern(term: str) -> str:
    """A ``%term%`` ILIKE pattern with the term's own ``%``, ``_`` and ``\\`` literal."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


__all__ = ["FORCE_CUSTOM_PLAN", "SEARCH_MAX", "SEARCH_MIN", "SEARCH_PATTERN", "contains_pattern", "search_term"]
