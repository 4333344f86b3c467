"""``python -m dashboards [DIR]``: write every dashboard as DIR/<name>.json
(default helm/saas/dashboards)."""

from __future__ import annotations

import sys
from pathlib import Path

from dashboards.build import DASHBOARDS, render


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "helm/saas/dashboards")
    out.mkdir(parents=True, exist_ok=True)
    for name in DASHBOARDS:
        (out / f"{name}.json").write_text(render(name))
        print(out / f"{name}.json")


if __name__ == "__main__":
    main()
