"""The ``size`` job: the cheapest tiers that meet the SLO, confirmed by simulation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from peakload.app.errors import JobError
from peakload.app.provenance import Stopwatch
from peakload.app.run_dir import start_run, write_closing_files
from peakload.app.size import files as sizing_files
from peakload.contract.sizing import SizingDocument
from peakload.core.scenario import Scenario
from peakload.core.scenario_file import load_scenario
from simulation.executors import DaskExecutor, LocalExecutor
from simulation.sizing import Sizer, SizingResult
from simulation.sizing_bounds import warmup_s


@dataclass(frozen=True)
class SizeOptions:
    """The flags of ``peakload size``: growth, N-1, replications, where to run."""

    scenario_path: str | Path
    scale: float = 1.0
    n1: bool = True
    search_workers: bool = False
    replications: int = 5
    jobs: int | None = None
    cluster: str | None = None
    seed: int | None = None
    out: str | Path = "results"
    plots: bool = True
    short_day: bool = True
    """Candidates run a warm-up and the window only, users starting in their state
    there (:func:`simulation.sizing_bounds.peak_day`); False: from the scenario's start."""


@dataclass
class SizingRun:
    """A finished sizing: the run directory, the search result and ``sizing.json``."""

    run_dir: Path
    scenario: Scenario
    result: SizingResult
    document: SizingDocument

    @property
    def passes(self) -> bool:
        return self.result.estimate.passes


def size(options: SizeOptions, progress: Callable[[float], None] | None = None) -> SizingRun:
    """Search, confirm and write ``sizing.json``, the sized scenario and the plots.

    ``progress`` is called with the number of candidates simulated so far.
    """
    stopwatch = Stopwatch()
    scenario = load_scenario(options.scenario_path)
    try:
        executor = DaskExecutor(options.cluster) if options.cluster else LocalExecutor(options.jobs)
    except (RuntimeError, OSError) as exc:
        raise JobError(f"--cluster {options.cluster}: {exc}") from None
    try:
        run_dir = start_run(options.out, "sizing", scenario, options.scenario_path)  # --out first
        sizer = Sizer(
            scenario,
            executor,
            replications=options.replications,
            scale=options.scale,
            n1=options.n1,
            search_workers=options.search_workers,
            seed=options.seed,
            progress=progress,
            short_day=options.short_day,
        )
        result = sizer.search()
    finally:
        executor.close()
    recommended = result.recommended_scenario()
    search = {
        "replications": options.replications,
        "scale": options.scale,
        "n1": options.n1,
        "search_workers": options.search_workers,
        "warmup_s": warmup_s(scenario) if result.short_day else None,
        "executor": f"dask {options.cluster}"
        if options.cluster
        else f"{executor.workers} local process(es)",
    }
    document = sizing_files.sizing_document(scenario, recommended, result, search)
    sizing_files.write_document(run_dir, document)
    sizing_files.write_scenario(
        run_dir / f"{scenario.name}-sized.toml",
        recommended,
        f"{scenario.name} with the tiers `peakload size` recommends "
        f"(scale {options.scale:g}, N-1 {'checked' if options.n1 else 'not checked'}).",
    )
    if options.plots:
        sizing_files.plot_sizing(run_dir, document)
    seed = scenario.scenario.seed if options.seed is None else options.seed
    write_closing_files(run_dir, stopwatch, seed)
    return SizingRun(run_dir, scenario, result, document)
