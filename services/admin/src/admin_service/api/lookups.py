"""``field__ilike``: PostgreSQL ILIKE, which the trigram GIN index on ``posts.title``
serves (Django's ``icontains`` compiles to ``UPPER(..) LIKE UPPER(..)``, which it does
not). The search's pattern is the kit's: ``saaskit.content.search.contains_pattern``."""

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

