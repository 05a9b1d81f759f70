"""A truth the model does not know: ci-smoke with every app, db and signature demand
multiplied by a factor between 0.5 and 2.5, different per transaction."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import tomli_w

CI_SMOKE = Path(__file__).resolve().parents[4] / "scenarios" / "ci-smoke.toml"
SCALED_TIERS = ("app", "db", "signature")


def truth_factors(seed: int = 11) -> dict[str, float]:
    data = tomllib.loads(CI_SMOKE.read_text())
    rng = np.random.default_rng(seed)
    names = [t["name"] for t in data["transactions"]]
    return dict(zip(names, np.round(rng.uniform(0.5, 2.5, len(names)), 2).tolist(), strict=True))


def write_truth(path: Path, seed: int = 11) -> dict[str, float]:
    """Write the truth scenario to ``path``; return the factor of each transaction."""
    data = tomllib.loads(CI_SMOKE.read_text())
    factors = truth_factors(seed)
    for txn in data["transactions"]:
        for tier, dist in txn["demand"].items():
            if tier in SCALED_TIERS:
                for key in ("mean", "value", "low", "high"):
                    if key in dist:
                        dist[key] = round(dist[key] * factors[txn["name"]], 6)
    data["scenario"]["description"] = "truth for calibration tests: ci-smoke, demands scaled"
    path.write_text(tomli_w.dumps(data))
    return factors
