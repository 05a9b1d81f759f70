"""How validate sizes its plateaus from the pilots, and what it answers when it cannot:
the arithmetic on rows, without traffic."""

import io
import math
from pathlib import Path
from types import SimpleNamespace

import pytest
from rich.console import Console

from peakload.app.validate.budget import allocate, needed_windows
from peakload.app.validate.plateau import Plateau, build_plateau
from peakload.app.validate.prediction import Context
from peakload.app.validate.run import LevelResult, Undecided, ValidateOptions, ValidationRun
from peakload.app.validate.table import headline, undecided_lines
from peakload.cli import validate as validate_command
from peakload.cli.errors import EXIT_FAILED, EXIT_INCONCLUSIVE, EXIT_OK
from peakload.cli.main import build_parser
from peakload.measure.precision import MARGIN
from peakload.measure.validation import (
    Agreement,
    Bounds,
    Estimate,
    MetricKind,
    ValidationVerdict,
    judge_row,
)

CONTEXT = Context(shares={"sign_payment": 0.14}, delay_tiers=())
OPTIONS = ValidateOptions("unused.toml")


def throughput(measured_ci: float, level: float = 1.0, predicted: float = 100.0):
    """Throughput 100/s against a bound of 5/s: decisive once the noise is <= 2.5/s."""
    return judge_row(
        level,
        "overall.throughput_rps",
        MetricKind.THROUGHPUT,
        Estimate(predicted, 1e-6),
        Estimate(100.0, measured_ci),
        Bounds(),
        matters=True,
    )


def level(rows, window_s=60.0, setup_s=10.0, level=1.0) -> LevelResult:
    plateau = Plateau(level, 100.0, Path("p.toml"), 30.0, window_s, 40.0)
    plan = SimpleNamespace(setup_s=setup_s)
    return LevelResult(plateau, plan, None, None, rows)


def test_a_pilot_twice_too_loose_asks_for_four_times_its_window():
    # Sized for a noise of MARGIN x 2.5: a measured half-width of twice that needs 4x.
    pilot = level([throughput(2 * MARGIN * 2.5)])
    needed = needed_windows(pilot, Bounds(), OPTIONS, CONTEXT)
    assert needed == {"overall.throughput_rps": pytest.approx(240.0)}
    assert needed_windows(level([throughput(1.0)]), Bounds(), OPTIONS, CONTEXT) == {}


def test_no_window_is_bought_for_a_row_whose_prediction_alone_is_too_wide():
    # A calibrated model's demands known to +-3/s of throughput: beside a 2.5/s budget
    # for the noise, no measured window decides the row, so none is asked or bought.
    def wide(predicted_ci: float):
        row = throughput(2 * MARGIN * 2.5)
        return judge_row(
            1.0, row.metric, row.kind, Estimate(100.0, predicted_ci), row.measured,
            Bounds(), matters=True,
        )  # fmt: skip

    for predicted_ci in (3.0, math.inf):
        pilot = level([wide(predicted_ci)])
        needed = needed_windows(pilot, Bounds(), OPTIONS, CONTEXT)
        assert math.isnan(needed["overall.throughput_rps"])
        assert allocate([pilot], Bounds(), OPTIONS, CONTEXT, 2000.0) == []
        pilot.needed = needed
        (undecided,) = pilot.undecided
        assert "more precise prediction" in undecided.label()


def test_the_budget_buys_the_most_rows_per_second_then_narrows_the_nearest():
    # Pooled with its 60 s pilot, a level needing 240 s runs 180 s more (+40 s overhead).
    cheap = level([throughput(2 * MARGIN * 2.5)], level=0.5)
    dear = level([throughput(4 * MARGIN * 2.5)])  # needs 960 s: 900 more (+40 s)
    done = level([throughput(1.0)], level=0.25)
    levels = [done, cheap, dear]
    assert allocate(levels, Bounds(), OPTIONS, CONTEXT, 2000.0) == [
        (1, pytest.approx(180.0)),
        (2, pytest.approx(900.0)),
    ]
    # 500 s: the cheap level in full (220 s), the dear one the 280 s left less its 40.
    assert allocate(levels, Bounds(), OPTIONS, CONTEXT, 500.0) == [
        (1, pytest.approx(180.0)),
        (2, pytest.approx(240.0)),
    ]
    # Too little left for the dear level to add a minute to its pilot: not run.
    assert allocate(levels, Bounds(), OPTIONS, CONTEXT, 300.0) == [(1, pytest.approx(180.0))]


def test_min_window_is_the_least_a_pilot_lasts_and_a_sized_plateau_adds(tmp_path):
    smoke = Path(__file__).resolve().parents[4] / "scenarios" / "ci-smoke.toml"

    def window(tmp_path, **kw) -> float:
        plateau = build_plateau(smoke, 1.0, tmp_path, 1.0, kw.pop("n", 1000), 10.0, **kw)
        return plateau.window_s

    # 60 users thinking 2 s: ~29 req/s, 1,000 requests in ~34 s, so 60 s by default,
    # 36 (whole scenario minutes at x10) when --min-window allows it, and never under
    # three batch means (18 s) however small the ask.
    assert window(tmp_path) == 60.0
    assert window(tmp_path, min_window_s=20.0) == 36.0
    assert window(tmp_path, n=10, min_window_s=1.0) == 18.0
    # A level needing 90 s beside its 60 s pilot: a minute more by default, 30 s with a
    # 20 s least window.
    pilot = level([throughput(MARGIN * 2.5 * math.sqrt(1.5))])
    assert needed_windows(pilot, Bounds(), OPTIONS, CONTEXT) == {
        "overall.throughput_rps": pytest.approx(90.0)
    }
    assert allocate([pilot], Bounds(), OPTIONS, CONTEXT, 500.0) == [(0, pytest.approx(60.0))]
    short = ValidateOptions("unused.toml", min_window_s=20.0)
    assert allocate([pilot], Bounds(), short, CONTEXT, 500.0) == [(0, pytest.approx(30.0))]
    # A 20 s pilot needing 30 s: 10 s more is asked, but no window is shorter than three
    # scenario minutes (18 s), so that is what is bought.
    close = level([throughput(MARGIN * 2.5 * math.sqrt(1.5))], window_s=20.0)
    assert needed_windows(close, Bounds(), OPTIONS, CONTEXT) == {
        "overall.throughput_rps": pytest.approx(30.0)
    }
    shortest = ValidateOptions("unused.toml", min_window_s=1.0)
    assert allocate([close], Bounds(), shortest, CONTEXT, 500.0) == [(0, pytest.approx(18.0))]
    assert Undecided(1.0, "overall.throughput_rps", 70.0).label().endswith("(a 70-second window)")


def test_three_rows_for_a_longer_window_beat_one_row_for_a_shorter():
    def rows(ci):
        return [
            judge_row(
                1.0,
                f"tiers.{t}.utilization",
                MetricKind.UTILIZATION,
                Estimate(0.5, 1e-6),
                Estimate(0.5, ci),
                Bounds(),
                matters=True,
            )
            for t in ("app", "db", "signature")
        ]

    # Utilization bound 5 points: sized for a half-width of 0.85 x 2.5 = 2.125 points.
    many = level(rows(0.02125 * math.sqrt(6)))  # each needs 360 s: 300 more (+40)
    one = level([throughput(2.125 * math.sqrt(13 / 3))], level=0.5)  # 260 s: 200 more (+40)
    assert needed_windows(many, Bounds(), OPTIONS, CONTEXT)["tiers.db.utilization"] == (
        pytest.approx(360.0)
    )
    # 400 s buys one of them: three rows for 340 s beat one row for 240 s.
    assert allocate([many, one], Bounds(), OPTIONS, CONTEXT, 400.0) == [(0, pytest.approx(300.0))]


def test_a_row_that_matters_and_is_missing_leaves_the_level_undecided():
    pilot = level([throughput(1.0)])
    pilot.missing = ["transactions.sign_payment.mean_s"]
    pilot.needed = {"transactions.sign_payment.mean_s": math.inf}
    run = ValidationRun(Path("."), Bounds(), [pilot])
    assert run.verdict is ValidationVerdict.INCONCLUSIVE
    (undecided,) = run.undecided
    assert undecided.label() == "transactions.sign_payment.mean_s@1 (more data)"


@pytest.mark.parametrize(
    ("rows", "verdict", "code"),
    [
        ([throughput(1.0)], ValidationVerdict.PASS, EXIT_OK),
        ([throughput(4.0)], ValidationVerdict.INCONCLUSIVE, EXIT_INCONCLUSIVE),
        ([throughput(1.0, predicted=120.0)], ValidationVerdict.FAIL, EXIT_FAILED),
    ],
)
def test_the_command_exits_with_its_verdicts_own_code(
    rows, verdict, code, tmp_path, monkeypatch, capsys
):
    pilot = level(rows)
    pilot.needed = {"overall.throughput_rps": 600.0}
    run = ValidationRun(tmp_path, Bounds(), [pilot])
    assert run.verdict is verdict
    monkeypatch.setattr("peakload.app.validate.job.plan_validation", lambda *a: _planned())
    monkeypatch.setattr("peakload.app.validate.job.validate", lambda *a, **k: run)
    monkeypatch.setattr("peakload.app.validate.table.print_validation", _print)
    scenario = Path(__file__).resolve().parents[4] / "scenarios" / "ci-smoke.toml"
    # The parser's own namespace, so every flag has its default.
    args = build_parser().parse_args(
        ["validate", "--scenario", str(scenario), "--levels", "1.0", "--out", str(tmp_path),
         "--min-requests", "100", "--jobs", "1", "--no-plots", "--no-drills",
         "--max-minutes", "1", "--quiet"]
    )  # fmt: skip
    assert validate_command.run(args, Console(file=io.StringIO())) == code


def _planned():
    return SimpleNamespace(levels=[], drill=None, seconds=0.0)


def _print(run, console, all_rows=True):
    pass


def test_the_headline_counts_the_decisive_rows_and_those_that_matter():
    spare = judge_row(
        1.0, "overall.p95_s", MetricKind.P95, Estimate(0.1, 0.03), Estimate(0.1, 0.03), Bounds()
    )
    pilot = level([throughput(1.0), throughput(4.0, level=0.5), spare])
    pilot.missing = ["transactions.sign_payment.mean_s"]
    run = ValidationRun(Path("."), Bounds(), [pilot])
    assert headline(run) == (
        "3 figures: 1 agree decisively, 2 agree but imprecise, 0 disagree; "
        "of the rows that matter, 1 of 3 are decisive"
    )
    assert undecided_lines(run)[0] == "not decisive: overall.throughput_rps@1 (more data)"


def test_quiet_says_in_a_line_that_every_row_agreed_instead_of_an_empty_table():
    from peakload.app.validate.table import print_validation

    decisive = throughput(1.0)
    assert decisive.decisive and decisive.verdict is Agreement.AGREE
    result = level([decisive])
    result.plan.scenario = SimpleNamespace(workload=SimpleNamespace(kind="closed"))
    result.measurement = SimpleNamespace(summary=SimpleNamespace(window=["09:00", "09:10"]))
    run = ValidationRun(Path("."), Bounds(), [result])
    quiet, full = io.StringIO(), io.StringIO()
    print_validation(run, Console(file=quiet, width=200), all_rows=False)
    print_validation(run, Console(file=full, width=200), all_rows=True)
    assert "1 row(s), every one agrees decisively" in quiet.getvalue()
    assert "overall.throughput_rps" not in quiet.getvalue()
    assert "overall.throughput_rps" in full.getvalue()
