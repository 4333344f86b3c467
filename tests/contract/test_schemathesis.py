"""Contract: each of the four OpenAPI documents says exactly what its service answers.

Schemathesis, every check, a bounded and seeded run per document (a failure reproduces
with the same seed), as a logged-in user with a token from a real login, against the
contract suite's own processes. Config: ``tests/contract/schemathesis.toml``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.api import new_account

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
SEED = 20261202
MAX_EXAMPLES = 12  # per operation and phase: a few hundred requests per document

pytestmark = pytest.mark.slow

DOCUMENTS = [("fastapi", "auth"), ("fastapi", "resources"), ("fastapi", "files"), ("django", "auth")]


@pytest.mark.parametrize("stack_name, service", DOCUMENTS, ids=[f"{s}-{v}" for s, v in DOCUMENTS])
def test_the_document_matches_the_service(request, stack_name, service, tmp_path):
    stack = request.getfixturevalue(stack_name)
    account = new_account(stack.auth)
    base = stack.urls[service]
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(CONFIG), "--no-color",
        "run", f"{base}/openapi.json", "--url", base,
        "--header", f"Authorization: Bearer {account.access_token}",
        "--checks", "all",
        "--seed", str(SEED),
        "--max-examples", str(MAX_EXAMPLES),
        "--phases", "examples,coverage,fuzzing",
        "--workers", "1",
        "--request-timeout", "10",
        "--report-dir", str(tmp_path),
    ]
    result = subprocess.run(  # noqa: S603 - our own interpreter's tool, fixed arguments
        command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=240, check=False,
    )
    summary = result.stdout[-6000:]
    assert result.returncode == 0, summary
    assert " passed" in summary and "failure" not in summary.lower(), summary
