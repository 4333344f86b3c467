"""Where a variant's CPU goes, per layer: shares of the profile's samples, CPU
milliseconds per request, a markdown table and a stacked bar chart (one bar per variant).

The shares are of the samples ``bench.layers.aggregate`` counted (CPU only: idle threads
are not sampled). CPU ms per request spreads the CPU seconds the server processes were
*measured* to use in the profiling window (their ``cpu_times``, not the sample count)
over the layers by those shares, then divides by the requests served in the same
window: the sample count only says *where* the time went, the measurement says *how
much* there was, so py-spy missing a sample now and then does not shrink the total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from bench.layers import LAYERS  # noqa: E402

COLORS = {
    "server": "#6b7280",
    "framework": "#2563eb",
    "token": "#d97706",
    "driver": "#059669",
    "orm": "#7c3aed",
    "validation": "#db2777",
    "json": "#0891b2",
    "app": "#65a30d",
    "other": "#d1d5db",
}


def shares(samples: Mapping[str, int]) -> dict[str, float]:
    """Each layer's fraction of all samples (0..1; all 0 when there are none)."""
    total = sum(samples.values())
    return {layer: (samples.get(layer, 0) / total if total else 0.0) for layer in LAYERS}


def cpu_ms_per_request(
    samples: Mapping[str, int], requests: int, cpu_seconds: float
) -> dict[str, float]:
    """CPU milliseconds per request in each layer: the measured CPU seconds split by the
    layers' shares, over the requests served while it was measured."""
    if requests <= 0:
        raise ValueError("no requests were served while profiling: nothing to divide by")
    return {layer: share * cpu_seconds * 1000 / requests
            for layer, share in shares(samples).items()}


@dataclass(frozen=True)
class LayerProfile:
    """One variant's profile at saturation: samples per layer and, when known, the
    requests served and the CPU seconds measured in the same window."""

    variant: str  # as the report names it
    samples: Mapping[str, int]
    requests: int | None = None
    cpu_seconds: float | None = None
    # samples / rate: above cpu_seconds, the samples also hold run-queue waits (an
    # oversubscribed machine: see bench.layers) and the shares lean to the event loop.
    sampled_seconds: float | None = None

    @property
    def oversampled(self) -> float | None:
        """Sampled seconds per measured CPU second (about 1 on a machine with cores to
        spare; well above 1 when the server waited for cores while sampled)."""
        if not self.cpu_seconds or self.sampled_seconds is None:
            return None
        return self.sampled_seconds / self.cpu_seconds

    @property
    def total_samples(self) -> int:
        return sum(self.samples.values())

    @property
    def shares(self) -> dict[str, float]:
        return shares(self.samples)

    @property
    def per_request_ms(self) -> dict[str, float] | None:
        if not self.requests or self.cpu_seconds is None:
            return None
        return cpu_ms_per_request(self.samples, self.requests, self.cpu_seconds)


def layer_table(profiles: Sequence[LayerProfile]) -> str:
    """Markdown: a row per layer, a column per variant; each cell the layer's share of
    the CPU samples and, when the variant's requests and CPU are known, its CPU ms per
    request."""
    header = "| layer | " + " | ".join(p.variant for p in profiles) + " |"
    lines = [header, "| --- |" + " --: |" * len(profiles)]
    per_request = [p.per_request_ms for p in profiles]
    for layer, label in LAYERS.items():
        cells = []
        for profile, ms in zip(profiles, per_request, strict=True):
            cell = f"{profile.shares[layer]:.1%}"
            cells.append(cell + (f" ({ms[layer]:.3f} ms)" if ms else ""))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    totals = [f"{sum(ms.values()):.3f} ms" if ms else "–" for ms in per_request]
    lines.append("| **CPU per request** | " + " | ".join(totals) + " |")
    lines.append("| samples | " + " | ".join(str(p.total_samples) for p in profiles) + " |")
    lines.append("| sampled s / CPU s | " + " | ".join(
        "–" if p.oversampled is None else f"{p.oversampled:.2f}" for p in profiles) + " |")
    return "\n".join(lines) + "\n"


def layer_chart(profiles: Sequence[LayerProfile], path: Path) -> Path:
    """Stacked horizontal bars, one per variant, in the order given (top to bottom):
    CPU ms per request by layer when every profile has requests and CPU, else shares."""
    per_request = [p.per_request_ms for p in profiles]
    absolute = all(per_request)
    rows = [ms for ms in per_request if ms is not None] if absolute else [
        {layer: share * 100 for layer, share in p.shares.items()} for p in profiles]
    fig, ax = plt.subplots(figsize=(10, 1.2 + 0.6 * len(profiles)))
    ys = list(range(len(profiles)))[::-1]
    left = [0.0] * len(profiles)
    for layer, label in LAYERS.items():
        values = [row[layer] for row in rows]
        ax.barh(ys, values, 0.6, left=left, label=label, color=COLORS[layer])
        left = [a + b for a, b in zip(left, values, strict=True)]
    if absolute:
        for y, total in zip(ys, left, strict=True):
            ax.text(total, y, f" {total:.2f}", va="center", fontsize=8)
    ax.set_yticks(ys, [p.variant for p in profiles])
    ax.set_xlabel("server CPU ms per request, by layer" if absolute
                  else "share of server CPU samples, by layer (%)")
    ax.set_title("Where the time goes (py-spy, CPU samples of the server processes)")
    # Below the axes; bbox_inches="tight" grows the figure to hold it.
    ax.legend(ncol=5, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.3),
              frameon=False)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path
