"""The change-cost exercises: changes a SaaS team makes in its first month, made for
real on both stacks on a branch, and counted here from their diffs.

Each exercise is a patch under ``docs/benchmark/cost-to-own/changes/`` (``git diff`` of
the branch's commit, saved by ``python -m bench cost-change``) and an entry in that
directory's ``changes.toml`` (what the change is, the commit it was made on). The count
is read from the patch alone, so the report can be checked and redone without the
branch, which is dropped after the exercise.

Invariant: every file of a patch is counted on exactly one side; the side follows from
the path by ``bench.cost.code.side`` for the services and the kit (a template or a
migration belongs where its directory does), and is "tests" or "other" (docs, the
contract) otherwise. Lines are the diff's own: added and removed, and the added lines
that are not blank.
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.cost.code import ROOT, SIDES, side

COUNTED = (*SIDES, "tests", "other")
DIRECTORY = ROOT / "docs/benchmark/cost-to-own/changes"
DIFF_FILE = re.compile(r"^diff --git a/(?P<a>\S+) b/(?P<b>\S+)$")


def change_side(path: str) -> str:
    if path.startswith("tests/"):
        return "tests"
    try:
        return side(path)
    except ValueError:
        return "other"


@dataclass
class FileChange:
    path: str
    side: str
    new: bool = False
    deleted: bool = False
    added: int = 0
    removed: int = 0
    added_nonblank: int = 0


def parse(patch: str) -> list[FileChange]:
    """The files of a unified diff (``git diff`` output) and their line counts."""
    files: list[FileChange] = []
    current: FileChange | None = None
    in_hunk = False
    for line in patch.splitlines():
        match = DIFF_FILE.match(line)
        if match:
            current = FileChange(match["b"], change_side(match["b"]))
            files.append(current)
            in_hunk = False
            continue
        if current is None:
            continue
        if not in_hunk:
            if line.startswith("new file mode"):
                current.new = True
            elif line.startswith("deleted file mode"):
                current.deleted = True
            elif line.startswith("@@"):
                in_hunk = True
            continue
        if line.startswith("@@"):
            continue
        if line.startswith("+"):
            current.added += 1
            current.added_nonblank += bool(line[1:].strip())
        elif line.startswith("-"):
            current.removed += 1
    return files


def summarise(files: list[FileChange]) -> dict:
    """Per side: files touched (of them new), lines added and removed."""
    by_side = {}
    for s in COUNTED:
        mine = [f for f in files if f.side == s]
        by_side[s] = {
            "files": len(mine),
            "new_files": sum(f.new for f in mine),
            "added": sum(f.added for f in mine),
            "removed": sum(f.removed for f in mine),
            "added_nonblank": sum(f.added_nonblank for f in mine),
        }
    return {"by_side": by_side, "files": [asdict(f) for f in files]}


def count_all(directory: Path = DIRECTORY) -> dict:
    """Every exercise listed in ``directory/changes.toml``, counted from its patch."""
    listing = directory / "changes.toml"
    if not listing.exists():
        return {}
    out = {}
    for name, entry in tomllib.loads(listing.read_text())["changes"].items():
        patch = (directory / entry["patch"]).read_text()
        out[name] = {**entry, **summarise(parse(patch))}
    return out


def save(revision: str, path: Path) -> Path:
    """``git diff`` of one commit against its parent, written to ``path``."""
    diff = subprocess.run(  # noqa: S603 - git with a revision we are given
        ["git", "diff", "--no-color", "--no-renames", "--no-ext-diff", f"{revision}^", revision],  # noqa: S607
        cwd=ROOT, capture_output=True, text=True, check=True).stdout
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(diff)
    return path
