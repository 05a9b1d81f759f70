"""The PNG written beside a derived scenario: the derived concurrency profile against the
open sessions the log shows, minute by minute."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from peakload.measure.access_log.derived import DerivedWorkload


def write_concurrency_plot(path: Path, workload: DerivedWorkload) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4))
    clock = workload.minute_clock_s
    ax.step(  # each minute's count, drawn over that minute
        np.concatenate([clock[:1], clock + 60.0]) / 3600,
        np.concatenate([[0], workload.open_sessions]),
        where="pre",
        label="observed (open sessions per minute)",
    )
    ax.plot(workload.profile.times / 3600, workload.profile.values, "o-", label="derived profile")
    ax.set_xlabel("clock (hours)")
    ax.set_ylabel("concurrent users")
    ax.set_title("Concurrency: derived profile against the log")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
