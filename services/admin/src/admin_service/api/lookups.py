"""``field__ilike``: PostgreSQL ILIKE, which the trigram GIN index on ``posts.title``
serves (Django's ``icontains`` compiles to ``UPPER(..) LIKE UPPER(..)``, which it does not)."""

from __future__ import annotations

from django.db.models import CharField, Lookup, TextField


class ILike(Lookup):
    lookup_name = "ilike"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]


CharField.register_lookup(ILike)
TextField.register_lookup(ILike)


def contains_pattern(text: str) -> str:
    """A ``%text%`` pattern with the user's own ``%``, ``_`` and ``\\`` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
