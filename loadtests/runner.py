"""``peakload loadtest``: start what is needed, run Locust headless, judge the result.

1. Without --host, start the mock service for the scenario on a free loopback
   port, on a fresh database in the run directory.
2. Run Locust (one process, or a master and N local workers) with the plan in
   PEAKLOAD_LOADTEST; watch its CPU, the server's CPU and tiers every second;
   stop everything after the plan's wall time plus a grace period, by PID.
3. Merge the per-process request records, summarise the window exactly,
   reconcile the writes with the service's records (counted as the request
   mapping says: :mod:`loadtests.reconciliation`), and give the verdict:
   SLO met, no write lost or duplicated, the generator not saturated.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from loadtests import busy_sources, fail_fast
from loadtests import ledger as ledger_module
from loadtests.arrivals import load_arrivals
from loadtests.locust_processes import locust_commands, stop
from loadtests.mock_process import MockServer, MockServerError
from loadtests.monitor import Monitor, admin_stats
from loadtests.outages import MockSupervisor, outage_series, outage_summary
from loadtests.reconciliation import Counts, reconciliation, record_counter
from loadtests.roster import setup_limit_s
from loadtests.run_files import RawRunError, read_raw
from loadtests.summary import Measurement, summarize, timeseries, window_latencies
from peakload.contract.api import DEV_ADMIN_TOKEN
from peakload.contract.summary import Summary
from peakload.contract.timeseries import Timeseries
from peakload.core.plan import ENV, Plan
from peakload.measure import outside_file
from peakload.measure.calibration import tier_file
from peakload.measure.judge import judge

START_GRACE_S = 60.0  # Locust start-up and users' last requests, beyond the plan's time


class LoadTestError(RuntimeError):
    """The load test could not run (exit 2): the reason, in one line."""


@dataclass
class LoadTestResult:
    """A judged load test: its summary, per-minute series and window latencies (all of
    them, and each transaction's apart)."""

    summary: Summary
    timeseries: Timeseries
    latencies: np.ndarray
    transaction_latencies: dict[str, np.ndarray] = field(default_factory=dict)


def _wait_idle(host: str, token: str, timeout_s: float = 30.0) -> None:
    """Wait until no request is in a tier of the mock any more (late commits settle)."""
    deadline = time.monotonic() + timeout_s
    stats = admin_stats(host, token)
    while stats and time.monotonic() < deadline:
        if all(t["busy"] == 0 and t["queue"] == 0 for t in stats["tiers"].values()):
            break
        time.sleep(0.5)
        stats = admin_stats(host, token)


def admin_token(host: str | None) -> str | None:
    """The token the runner reads the server's counters with: ``PEAKLOAD_ADMIN_TOKEN``,
    else, for the mock it starts (no ``host``), the development token the mock then
    accepts (it reads the same variable)."""
    return os.environ.get("PEAKLOAD_ADMIN_TOKEN", DEV_ADMIN_TOKEN if host is None else None)


def start_mock(
    plan: Plan,
    where: Path,
    serve_scenario: str | Path | None = None,
    db_url: str | None = None,
    kill_at_s: tuple[float, ...] = (),
    *,
    restart_after_s: float,
) -> MockSupervisor:
    """Start the mock for ``plan`` (emulating ``serve_scenario`` when given), its
    database (``mock.db``, or ``db_url``) and log (``mock-server.log``) in ``where``,
    and wait until it answers; raises :class:`LoadTestError` if it does not.

    :func:`run_loadtest` starts one per run; a job that runs several load tests in
    a row (``calibrate --plan``) may start one here and lend it to each run
    (``shared_mock``), then stop it: the server's start (its imports, a fresh
    database's budget units) is paid once.
    """
    served = Path(serve_scenario).resolve() if serve_scenario else plan.scenario_path

    def start(env: dict[str, str], port: int | None) -> MockServer:
        return MockServer(served, where / "mock.db", port, env, where / "mock-server.log", db_url)

    try:
        return MockSupervisor(
            start, plan, where / "raw", admin_token(None), kill_at_s, restart_after_s
        )
    except MockServerError as exc:
        raise LoadTestError(str(exc)) from None


def run_loadtest(
    plan: Plan,
    run_dir: Path,
    host: str | None = None,
    progress=None,
    serve_scenario: str | Path | None = None,
    busy_map: busy_sources.BusyMap | None = None,
    db_url: str | None = None,
    kill_at_s: tuple[float, ...] = (),
    *,
    restart_after_s: float,
    shared_mock: MockSupervisor | None = None,
    locust_reports: bool = True,
) -> LoadTestResult:
    """Run ``plan`` against ``host`` (or a mock this starts) and measure it.

    ``serve_scenario`` makes the mock this starts emulate another scenario's
    tiers and demands (the truth) while the users follow ``plan``'s scenario:
    how ``validate`` catches a wrong model and ``calibrate`` tests its estimates.
    The mock runs on ``db_url`` (default: SQLite in the run directory); it is
    killed at each scenario clock of ``kill_at_s`` and restarted
    ``restart_after_s`` later (:mod:`loadtests.outages`).

    ``shared_mock``, a mock :func:`start_mock` started, is used in place of
    starting one (and left running: its owner stops it). Its counters run on
    from the runs before; everything read from them is a difference over this
    run's samples, so they measure this run alone. ``locust_reports`` False
    leaves out Locust's own CSV and HTML reports, which nothing of peakload reads.
    """
    run_dir = run_dir.resolve()  # Locust runs in it: every path it is given must be absolute
    raw = run_dir / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    # Every Locust process reads the plan, whatever its directory, and writes its records here.
    plan = replace(plan, scenario_path=str(Path(plan.scenario_path).resolve()), out_dir=str(raw))
    if shared_mock is not None and (host is not None or kill_at_s):
        raise LoadTestError("a shared mock cannot go with --host or --kill-server-at")
    token = admin_token(host)
    counts_before: Counts = "the load test did not start"
    count_records = record_counter(plan)
    mock = shared_mock
    monitor: Monitor | None = None
    processes: list[subprocess.Popen] = []
    logs = []
    try:
        if mock is not None:
            try:
                mock.next_run(plan, raw)
            except ValueError as exc:
                raise LoadTestError(str(exc)) from None
            host = mock.url
        elif host is None:
            mock = start_mock(
                plan, run_dir, serve_scenario, db_url, kill_at_s, restart_after_s=restart_after_s
            )
            host = mock.url
        counts_before = count_records(host)
        env = {**os.environ, ENV: plan.to_env()}
        for i, command in enumerate(locust_commands(plan, host, run_dir, locust_reports)):
            log = (run_dir / ("locust.log" if i == 0 else f"locust-worker-{i}.log")).open("w")
            logs.append(log)
            processes.append(
                subprocess.Popen(
                    command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=run_dir
                )
            )
        sampler = None
        if busy_map is not None and busy_map.sampled:
            try:
                sampler = busy_sources.LiveSampler(busy_map)
            except busy_sources.BusyMapError as exc:
                raise LoadTestError(f"--busy-time {exc}") from None
        monitor = Monitor(
            [p.pid for p in processes],
            mock.pid if mock else None,
            host,
            token,
            busy_sampler=sampler,
        )
        monitor.start()
        if mock is not None:
            mock.on_restart = monitor.watch_server
        started = time.monotonic()
        total_s = setup_limit_s(plan) + plan.wall_duration_s
        deadline = started + total_s + START_GRACE_S
        master = processes[0]
        while master.poll() is None:
            if (line := _aborted(raw)) is not None:
                raise LoadTestError(line)
            if time.monotonic() > deadline:
                raise LoadTestError(
                    f"Locust still running {START_GRACE_S:.0f} s past the plan's "
                    f"{total_s:.0f} s; stopped it (see {run_dir / 'locust.log'})"
                )
            if progress is not None:
                progress(min(time.monotonic() - started, plan.setup_s + plan.wall_duration_s))
            if mock is not None:
                mock.poll()
            with contextlib.suppress(subprocess.TimeoutExpired):  # back as soon as it ends
                master.wait(mock.due_in() if mock is not None else 0.5)
        if (line := _aborted(raw)) is not None:
            raise LoadTestError(line)
        for worker in processes[1:]:
            worker.wait(timeout=30)
        if mock is not None:
            mock.settle()
        samples = monitor.stop()
        if token:
            _wait_idle(host, token)  # late commits settle before the records are counted
        counts_after = count_records(host)
    finally:
        if monitor is not None:  # stopped once already on the way here when all went well
            monitor.stop()
        for process in processes:
            stop(process)
        for log in logs:
            log.close()
        if mock is not None and mock is not shared_mock:
            mock.stop()

    log_text = "\n".join(
        (run_dir / Path(log.name).name).read_text(errors="replace") for log in logs
    )
    try:
        raw_run = read_raw(run_dir)
    except RawRunError:
        tail = "\n".join(log_text.splitlines()[-8:])
        raise LoadTestError(
            f"Locust recorded no requests (exit {master.returncode}): {tail}"
        ) from None
    _keep_tier_samples(run_dir, samples, busy_map)
    if any(samples.outside):  # the server's own time outside its tiers (outside.csv)
        outside_file.write(run_dir / outside_file.FILENAME, samples.wall, samples.outside)
    measurement = Measurement(
        plan=plan,
        records=raw_run.records,
        shape=raw_run.shape,
        samples=samples,
        cpu_warning="CPU usage above" in log_text,
        arrivals=load_arrivals(sorted(raw.glob("arrivals-*.npz"))),
    )
    summary = summarize(measurement)
    summary.host = "mock (started by peakload)" if mock else host
    if mock is not None:
        summary.outages = outage_summary(measurement, mock.outages)
    if mock is not None and serve_scenario:
        summary.served_scenario = str(serve_scenario)
    ledgers = sorted(raw.glob("ledger-*.json"))
    summary.reconciliation = reconciliation(
        ledger_module.merge(ledgers), counts_before, counts_after
    )
    summary.isolation = ledger_module.merge_isolation(ledgers)
    # The one judge: the SLO, and what makes a measurement untrustworthy (a saturated
    # generator, an open workload's flow starts dropped, a write lost or duplicated).
    summary.slo = judge(plan.scenario.slo, summary)
    series = timeseries(measurement)
    if mock is not None and mock.outages:
        edges = np.append(series["time_s"], plan.clock_at(plan.wall_duration_s))
        series["server_down"] = outage_series(mock.outages, measurement, edges)
    return LoadTestResult(summary, series, *window_latencies(measurement))


def _aborted(raw: Path) -> str | None:
    """The line a Locust process stopped the run with (:mod:`loadtests.fail_fast`)."""
    pattern = fail_fast.ABORT_FILE.format(pid="*")
    for path in sorted(raw.glob(pattern)):
        line = path.read_text().strip()
        if line:
            return line
    return None


def _keep_tier_samples(run_dir: Path, samples, busy_map) -> None:
    """tiers.csv: the mock's counters and the busy-time sources', for calibration offline."""
    extra = samples.busy
    if busy_map is not None and busy_map.csv:
        try:
            from_csv = busy_sources.csv_samples(busy_map.csv, samples.wall)
        except busy_sources.BusyMapError as exc:
            raise LoadTestError(str(exc)) from None
        extra = [{**a, **b} for a, b in zip(extra, from_csv, strict=True)]
    merged = [{**tiers, **more} for tiers, more in zip(samples.tiers, extra, strict=True)]
    if any(merged):
        tier_file.write(run_dir / tier_file.FILENAME, samples.wall, merged)
