"""The test session's fixtures, one plugin module each job (see ``tests/support/fixtures``):
real PostgreSQL and Redis and the services' ``Settings``; the files service on either
storage backend; the two contract stacks as real processes; the built images' engine.
Suites use them by name; no conftest imports another's fixtures."""

pytest_plugins = [
    "tests.support.fixtures.backing",
    "tests.support.fixtures.storage",
    "tests.support.fixtures.stacks",
    "tests.support.fixtures.images",
]
