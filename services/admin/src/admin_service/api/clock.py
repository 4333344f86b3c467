"""The database's clock for the time stamps Django writes.

Invariant: every ``created_at``/``updated_at`` comes from PostgreSQL's ``now()`` (the
transaction's start), on this stack as on FastAPI (``func.now()``), so one clock orders
every row whichever host or stack wrote it. Django's own ``Now()`` is
``STATEMENT_TIMESTAMP()`` on PostgreSQL, a different instant within one transaction.
"""

from __future__ import annotations

from django.db.models import DateTimeField, Func

TRANSACTION_NOW = Func(template="now()", output_field=DateTimeField())
