"""``docs/contract/`` holds copies of the shared contract (``../shared/contract/``, beside
the clone wherever CI and the team work), so the README's links work from a clone of
this repository alone. The copies must stay byte for byte equal to the originals: a
contract change lands here in the same commit that follows it."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COPIES = ROOT / "docs" / "contract"
ORIGINALS = ROOT.parent / "shared" / "contract"
NAMES = ("API.md", "BENCHMARK.md")


@pytest.mark.parametrize("name", NAMES)
def test_the_contract_copy_equals_the_shared_original(name):
    assert ORIGINALS.is_dir(), (
        f"{ORIGINALS} is missing: the shared contract is expected beside this clone "
        f"(shared/contract/ next to {ROOT.name}/), to check docs/contract/{name} against it"
    )
    original = (ORIGINALS / name).read_bytes()
    assert (COPIES / name).read_bytes() == original, (
        f"docs/contract/{name} differs from {ORIGINALS / name}: copy the original over it "
        f"(cp {ORIGINALS / name} docs/contract/{name})"
    )


def test_the_shared_contract_has_no_file_left_uncopied():
    assert ORIGINALS.is_dir(), f"{ORIGINALS} is missing: the shared contract is expected beside this clone"
    assert sorted(p.name for p in ORIGINALS.iterdir() if p.is_file()) == sorted(NAMES)
