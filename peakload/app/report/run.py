"""The page of a simulation or a load test: both write the same summary contract.

Headline first ("SLO PASS: p95 0.98 s against 2.0 s at 13,000 users"), then the
overall figures, the SLO limits, per transaction and per tier tables, the four
figures of the day, and for a load test the generator's honesty check, the
write reconciliation and a link to Locust's own report.
"""

from __future__ import annotations

import tomllib
from typing import Any

from peakload.app.numbers import ms, num, pct, with_ci
from peakload.app.report import figures
from peakload.app.report.loadtest import load_generation
from peakload.app.report.page import (
    Headline,
    Html,
    Report,
    Section,
    bullets,
    paragraph,
    table,
)
from peakload.app.report.run_files import RunFiles
from peakload.app.run_charts import RUN_CHARTS

KIND_TITLES = {"simulation": "Simulation", "loadtest": "Load test"}


def slo_limits(scenario_text: str | None) -> dict[str, float]:
    """The ``[slo]`` table of the scenario as run (p95_s, error_rate, max_utilization...)."""
    if not scenario_text:
        return {}
    try:
        slo = tomllib.loads(scenario_text).get("slo", {})
    except tomllib.TOMLDecodeError:
        return {}
    return {k: float(v) for k, v in slo.items() if isinstance(v, int | float)}


def verdict(summary: dict[str, Any], limits: dict[str, float]) -> Headline:
    """The SLO verdict as summary.json states it, and the one-line answer."""
    overall = summary["overall"]
    passed = bool(summary["slo"]["pass"])
    p95 = overall.get("p95_s")
    against = f" against {limits['p95_s']:g} s" if "p95_s" in limits else ""
    users = overall.get("peak_concurrency")
    at = f" at {users:,.0f} users" if users is not None else ""
    answer = f"p95 {num(p95)} s{against}{at}; error rate {pct(overall.get('error_rate'))}"
    notes = [v["message"] for v in summary["slo"].get("violations", [])]
    notes += [f"at risk: {r['message']}" for r in summary["slo"].get("at_risk", [])]
    if summary["slo"].get("limits") == []:
        notes.append("the scenario sets no [slo] limits: only the run's soundness was judged")
        if passed:
            return Headline(None, verdict_label(summary), answer, notes)  # neither good nor bad
    return Headline(passed, verdict_label(summary), answer, notes)


def verdict_label(summary: dict[str, Any]) -> str:
    """``SLO PASS`` or ``SLO FAIL``, exactly as ``summary.json``'s ``slo.pass`` says;
    ``NO SLO SET`` for a sound run of a scenario without limits."""
    slo = summary["slo"]
    if slo.get("limits") == [] and slo["pass"]:
        return "NO SLO SET"
    return "SLO PASS" if slo["pass"] else "SLO FAIL"


def _overall(summary: dict[str, Any]) -> Html:
    o = summary["overall"]
    rows = [
        ("requests in the window", f"{o.get('requests', 0):,}"),
        ("throughput (req/s)", with_ci(o, "throughput_rps")),
        ("answered ok (req/s)", with_ci(o, "ok_rps")),
        ("mean (ms)", ms(o, "mean_s")),
        ("p50 (ms)", ms(o, "p50_s")),
        ("p95 (ms)", ms(o, "p95_s")),
        ("p99 (ms)", ms(o, "p99_s")),
        ("error rate", pct(o.get("error_rate"))),
        ("time-outs, refusals", f"{o.get('timeouts', 0):,}, {o.get('refusals', 0):,}"),
        ("peak concurrency", f"{o.get('peak_concurrency') or 0:,.0f} at {o.get('peak_time')}"),
    ]
    window = summary.get("window") or ["start", "end"]
    return Html(
        paragraph(f"Window {window[0]}-{window[1]} (scenario clock).").markup
        + table(["figure", "value"], rows).markup
    )


def _slo_table(summary: dict[str, Any], limits: dict[str, float]) -> Html:
    overall = summary["overall"]
    names = {"p95_s": "p95", "p99_s": "p99", "mean_s": "mean", "error_rate": "error rate"}
    rows, bad = [], []
    for key, label in names.items():
        if key not in limits:
            continue
        value = overall.get(key)
        fine = value is not None and value <= limits[key]
        shown = pct(value) if key == "error_rate" else f"{num(value)} s"
        limit = pct(limits[key]) if key == "error_rate" else f"{limits[key]:g} s"
        rows.append((label, shown, limit, "holds" if fine else "BROKEN"))
        bad.append(not fine)
    if "max_utilization" in limits:
        for tier, values in summary["tiers"].items():
            util = values.get("utilization")
            fine = util is not None and util <= limits["max_utilization"]
            rows.append(
                (
                    f"utilization {tier}",
                    pct(util),
                    pct(limits["max_utilization"]),
                    "holds" if fine else "BROKEN",
                )
            )
            bad.append(not fine)
    return table(["limit", "measured", "SLO", ""], rows, bad)


def _transactions(summary: dict[str, Any]) -> Html:
    rows, bad = [], []
    for name, t in summary["transactions"].items():
        rows.append(
            (
                name,
                f"{t.get('count', 0):,}",
                ms(t, "mean_s"),
                ms(t, "p50_s"),
                ms(t, "p95_s"),
                ms(t, "p99_s"),
                f"{t.get('errors', 0):,}",
                pct(t.get("error_rate")),
            )
        )
        bad.append(bool(t.get("errors")))
    return table(
        ["transaction", "count", "mean ms", "p50 ms", "p95 ms", "p99 ms", "errors", "error rate"],
        rows,
        bad,
    )


def _tiers(summary: dict[str, Any]) -> Html:
    analytic = (summary.get("analytic") or {}).get("tiers", {})
    rows = []
    for name, t in summary["tiers"].items():
        predicted = analytic.get(name, {}).get("utilization", {}).get("analytic")
        rows.append(
            (
                name,
                t.get("servers", "-"),
                pct(t.get("utilization")),
                pct(predicted),
                with_ci(t, "throughput_rps"),
                ms(t, "mean_wait_s"),
                ms(t, "mean_response_s"),
                f"{t.get('max_queue', 0):,}",
                f"{t.get('refusals', 0):,}",
            )
        )
    method = (summary.get("analytic") or {}).get("method")
    note = [paragraph(f"analytic: {method}")] if method else []
    return Html(
        table(
            [
                "tier",
                "c",
                "utilization",
                "analytic",
                "req/s",
                "mean wait ms",
                "mean response ms",
                "max queue",
                "refusals",
            ],
            rows,
        ).markup
        + "".join(n.markup for n in note)
    )


def build(run: RunFiles) -> Report:
    summary = run.summary
    kind = summary["kind"]
    limits = slo_limits(run.scenario_text)
    series = run.series
    tiers = list(summary["tiers"])
    window_s = summary.get("window_s")
    side_by_side = (
        f'<div class="row"><div>{_overall(summary).markup}</div>'
        f"<div><p>SLO limits against the window's figures.</p>"
        f"{_slo_table(summary, limits).markup}</div></div>"
    )
    sections = [Section("Summary", [Html(side_by_side)])]
    if series:
        label = "simulated" if kind == "simulation" else "virtual users (scenario-equivalent)"
        sections.append(
            Section(
                "The day",
                [
                    figures.run_chart(chart, series, tiers, window_s, limits, label)
                    for chart in RUN_CHARTS
                ],
            )
        )
    sections += [
        Section("Transactions", [_transactions(summary)]),
        Section("Tiers", [_tiers(summary)]),
    ]
    if kind == "loadtest":
        sections.append(load_generation(run))
    if summary.get("warmup"):
        sections.append(Section("Warm-up", [bullets([str(summary["warmup"])])]))
    when = run.when.strftime("%Y-%m-%d %H:%M") if run.when else "unknown time"
    replications = summary.get("replications")
    subtitle = f"{KIND_TITLES.get(kind, kind)} of {summary['scenario']}, {when}" + (
        f", {replications} replications" if replications and replications > 1 else ""
    )
    o = summary["overall"]
    return Report(
        kind=kind,
        scenario=summary["scenario"],
        title=f"{KIND_TITLES.get(kind, kind)}: {summary['scenario']}",
        subtitle=subtitle,
        verdict=verdict(summary, limits),
        sections=sections,
        headline={
            "p95": f"{num(o.get('p95_s'))} s",
            "throughput": f"{num(o.get('throughput_rps'))} req/s",
            "error rate": pct(o.get("error_rate")),
            "peak users": f"{o.get('peak_concurrency') or 0:,.0f}",
        },
    )
