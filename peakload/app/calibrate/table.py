"""The calibration as a table: one row per demand, then the workload beside the model's."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from peakload.app.numbers import num
from peakload.contract.calibration import CalibrationReport


def _ms(seconds: float | None) -> str:
    return num(None if seconds is None else seconds * 1000)


def print_calibration(report: CalibrationReport, console: Console) -> None:
    """The demands' table, then a line each for the fit, the mix, the think time, the
    demands not identifiable, the time outside the tiers, the tour and the warnings."""

    def say(line: str) -> None:
        console.print(line, markup=False, highlight=False)

    table = Table(title=f"{report.scenario}: demands (ms), {report.method.value}")
    for column in ("transaction", "tier", "prior", "estimate", "95 % CI", "est/prior", "note"):
        table.add_column(
            column, justify="left" if column in ("transaction", "tier", "note") else "right"
        )
    rows = [(name, tier, e) for name, row in report.demands.items() for tier, e in row.items()]
    rows += [
        (f"{name}, {e.after_s:g} s later", e.tier, e)
        for name, pieces in report.deferred.items()
        for j, e in enumerate(pieces)
    ]
    for name, tier, e in rows:
        ratio = f"{e.estimate / e.prior:.2f}" if e.prior else "-"
        note = "" if e.identifiable else "not identifiable"
        if e.at_bound:
            note = "AT BOUND, prior kept"
        elif e.held_by_interval:
            note = "interval holds the prior: kept"
        elif e.method.value == "prior":
            note = "not measured, prior kept"
        table.add_row(
            name,
            tier,
            _ms(e.prior),
            _ms(e.estimate),
            f"[{_ms(e.ci95[0])}, {_ms(e.ci95[1])}]",
            ratio,
            note,
        )
    console.print(table)
    if report.fit:
        fits = ", ".join(
            f"{tier} R2 {fit.r2:.3f} rmse {fit.rmse_s * 1000:.1f} ms"
            + (f" (over its {fit.windows} windows at load)" if fit.windows < report.windows else "")
            for tier, fit in report.fit.items()
        )
        say(f"fit over {report.windows} windows of {report.window_s:g} s: {fits}")
        backgrounds = [
            f"{tier} {fit.background:.1%} of its cores [{low:.1%}, {high:.1%}]"
            for tier, fit in report.fit.items()
            if fit.background is not None
            for low, high in [fit.background_ci95 or (fit.background, fit.background)]
        ]
        if backgrounds:
            say("background (busy with no request, the fit's intercept): " + ", ".join(backgrounds))
        moved = [
            f"{tier} sd {100 * fit.runs_sd:.1f} points of utilization"
            + (f" ({fit.speed_sd:.1%} of its busy time)" if fit.speed_sd is not None else "")
            for tier, fit in report.fit.items()
            if fit.runs_sd
        ]
        if moved:
            say(
                "runs' own variation (sd of a run's busy time as a whole, beyond its windows'; "
                "in every demand's interval): " + ", ".join(moved)
            )
        elif len(report.runs) > 1:
            say(
                f"runs' own variation not measured ({len(report.runs)} runs; a tier's fit needs "
                "two more than its demands and background): the intervals hold the windows' "
                "noise alone"
            )
    mix = ", ".join(
        f"{name} {share['observed']:.1%} (model {share['model']:.1%})"
        for name, share in report.mix.items()
    )
    say(f"mix: {mix}")
    think = report.think_time_s
    observed = "-" if think.get("observed") is None else f"{think['observed']:.2f} s"
    model = "-" if think.get("model") is None else f"{think['model']:.2f} s"
    say(f"think time: observed {observed} (model {model})")
    unidentifiable = sum(
        not e.identifiable for row in report.demands.values() for e in row.values()
    )
    if unidentifiable:
        say(
            f"{unidentifiable} demand(s) not identifiable from these runs (see 'why' in "
            "calibration.json); peakload calibrate --plan designs runs that separate them"
        )
    if report.outside:
        outside = ", ".join(
            f"{name} {_ms(o.estimate)} [{_ms(o.ci95[0])}, {_ms(o.ci95[1])}]"
            for name, o in report.outside.items()
        )
        say(f"time outside the tiers (ms, at low load; the delay tier): {outside}")
    if report.spread:
        spread = ", ".join(
            f"{name} {s.scale:.2f} [{s.ci95[0]:.2f}, {s.ci95[1]:.2f}]"
            + ("" if s.drawn else " (bound)")
            for name, s in report.spread.items()
        )
        say(
            "demands' spread at low load (a factor on the priors' cvs; (bound): from the "
            f"responses, an upper bound that only lowers a prior's): {spread}"
        )
    if report.design is not None:
        d = report.design
        worst = d.worst[-1] if d.worst else ("-", 0.0)
        say(
            f"tour: {len(d.phases)} phases ({d.kind}) in {d.wall_s:.0f} s; widest interval of "
            f"a major demand {worst[0]} ±{worst[1]:.0%} (wanted ±{d.precision:.0%})"
        )
    for warning in report.warnings:
        say(f"warning: {warning}")
