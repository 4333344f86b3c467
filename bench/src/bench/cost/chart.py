"""The code-per-feature chart: one group of bars per feature, the two implementations
beside the shared kit and worker, so a feature's cost on each side is read at a glance."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from bench.cost.code import SIDE_NAMES, SIDES  # noqa: E402

COLORS = {"fastapi": "#059669", "django": "#0c4b33", "kit": "#9ca3af", "worker": "#d1d5db"}


def code_per_feature(code: dict, path: Path) -> Path:
    features = list(code["features"].values())
    fig, ax = plt.subplots(figsize=(11, 5))
    width = 0.8 / len(SIDES)
    for i, side in enumerate(SIDES):
        ys = [j + i * width for j in range(len(features))]
        values = [f[side]["sloc"] for f in features]
        ax.barh(ys, values, width, label=SIDE_NAMES[side], color=COLORS[side])
        for y, v in zip(ys, values, strict=True):
            if v:
                ax.text(v, y, f" {v}", va="center", fontsize=7)
    ax.set_yticks([j + width * (len(SIDES) - 1) / 2 for j in range(len(features))],
                  [f["name"] for f in features])
    ax.invert_yaxis()
    ax.set_xlabel("source lines of code (radon SLOC: no blank lines, comments or docstrings)")
    ax.set_title("Code per feature: FastAPI vs Django REST Framework (shared code in grey)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
