"""Every relative link in the repository's Markdown resolves to a file in this clone
(the contract's included, through its copy in ``docs/contract/``): a reader of a fresh
clone never follows a link to something only a sibling folder has."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _markdown_files() -> list[Path]:
    listed = subprocess.run(  # noqa: S603 - fixed arguments
        ["git", "ls-files", "-z", "*.md"], cwd=ROOT, capture_output=True, check=True  # noqa: S607
    ).stdout.decode().split("\0")
    return [ROOT / name for name in listed if name]


def test_relative_markdown_links_resolve_inside_the_clone():
    files = _markdown_files()
    assert ROOT / "README.md" in files
    broken = []
    for path in files:
        for target in LINK.findall(path.read_text(encoding="utf-8")):
            if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue  # a URL or an anchor in the same page
            resolved = (path.parent / target.split("#", 1)[0]).resolve()
            if not resolved.exists() or not resolved.is_relative_to(ROOT):
                broken.append(f"{path.relative_to(ROOT)}: {target}")
    assert not broken, "links that do not resolve inside the clone:\n" + "\n".join(broken)
