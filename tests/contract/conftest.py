"""The contract suite runs every test against both stacks: ``stack`` is parametrised
over the session's ``fastapi`` and ``django`` (``tests.support.fixtures.stacks``)."""

from __future__ import annotations

import pytest

from tests.contract.stacks import Stack

STACKS = ("fastapi", "django")


@pytest.fixture(params=STACKS)
def stack(request) -> Stack:
    return request.getfixturevalue(request.param)
