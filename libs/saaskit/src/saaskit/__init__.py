"""Shared, framework-free kit for every service.

Layout: a domain of the API owns a package with what both stacks must agree on about it
(``accounts``, ``content``, ``files``): ``limits`` (the bounds of what a user may send),
``problems`` (its errors, worded once) and its rules (``accounts.validation``,
``files.types``, ``files.uploads``, ``files.downloads``). One package per domain, rather
than one module per kind across domains, because a change to a domain (a longer title, a
new upload check) then touches one folder, and a service imports only the domains it
serves. The database schema (``db.schema``) follows the domains' limits for its column
sizes, never the reverse: the API states what is accepted and the tables are made to
hold it. What every domain shares stays at the top or in its own package: ``problems``,
``pagination``, ``settings``, ``db``, ``security``, ``storage``, ``queue``, ``web`` (the
FastAPI side) and the operations modules (``logging``, ``metrics``, ``tracing``).

Drivers and clients are extras (``saaskit[asyncpg]``, ``[psycopg]``, ``[redis]``, ``[s3]``,
``[fastapi]``, see ``libs/saaskit/pyproject.toml``): a package asks for those of the kit
modules it imports, and ``tests/workspace/test_kit_extras.py`` checks it from the imports.
"""
