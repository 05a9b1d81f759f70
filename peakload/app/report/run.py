"""The page of a simulation or a load test: both write the same summary contract.

Verdict first ("SLO PASS: p95 0.98 s against 2.0 s at 13,000 users"), then the
overall figures, the SLO limits, per transaction and per tier tables, the four
figures of the day, and for a load test the generator's honesty check, the
write reconciliation and a link to Locust's own report.
"""

from __future__ import annotations

import math
from typing import Any

from peakload.app.report import figures
from peakload.app.report.page import (
    Html,
    Report,
    Section,
    Verdict,
    bullets,
    link,
    paragraph,
    table,
)
from peakload.app.report.run_files import RunFiles

KIND_TITLES = {"simulation": "Simulation", "loadtest": "Load test"}


def _num(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if abs(value) >= 10**digits:  # 1,730 rather than 1.73e+03
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def _with_ci(values: dict[str, Any], name: str, scale: float = 1.0, digits: int = 3) -> str:
    value = values.get(name)
    if value is None:
        return "-"
    text = _num(value * scale, digits)
    ci = values.get(f"{name}_ci95")
    return f"{text} ± {_num(ci * scale, 2)}" if ci else text


def _ms(values: dict[str, Any], name: str) -> str:
    return _with_ci(values, name, 1000.0)


def _pct(value: Any) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def slo_limits(scenario_text: str | None) -> dict[str, float]:
    """The ``[slo]`` table of the scenario as run (p95_s, error_rate, max_utilization...)."""
    import tomllib

    if not scenario_text:
        return {}
    try:
        slo = tomllib.loads(scenario_text).get("slo", {})
    except tomllib.TOMLDecodeError:
        return {}
    return {k: float(v) for k, v in slo.items() if isinstance(v, int | float)}


def verdict(summary: dict[str, Any], limits: dict[str, float]) -> Verdict:
    """The SLO verdict as summary.json states it, and the one-line answer."""
    overall = summary["overall"]
    passed = bool(summary["slo"]["pass"])
    p95 = overall.get("p95_s")
    against = f" against {limits['p95_s']:g} s" if "p95_s" in limits else ""
    users = overall.get("peak_concurrency")
    at = f" at {users:,.0f} users" if users is not None else ""
    answer = f"p95 {_num(p95)} s{against}{at}; error rate {_pct(overall.get('error_rate'))}"
    notes = [v["message"] for v in summary["slo"].get("violations", [])]
    notes += [f"at risk: {r['message']}" for r in summary["slo"].get("at_risk", [])]
    return Verdict(passed, verdict_label(summary), answer, notes)


def verdict_label(summary: dict[str, Any]) -> str:
    """``SLO PASS`` or ``SLO FAIL``, exactly as ``summary.json``'s ``slo.pass`` says."""
    return "SLO PASS" if summary["slo"]["pass"] else "SLO FAIL"


def _overall(summary: dict[str, Any]) -> Html:
    o = summary["overall"]
    rows = [
        ("requests in the window", f"{o.get('requests', 0):,}"),
        ("throughput (req/s)", _with_ci(o, "throughput_rps")),
        ("answered ok (req/s)", _with_ci(o, "ok_rps")),
        ("mean (ms)", _ms(o, "mean_s")),
        ("p50 (ms)", _ms(o, "p50_s")),
        ("p95 (ms)", _ms(o, "p95_s")),
        ("p99 (ms)", _ms(o, "p99_s")),
        ("error rate", _pct(o.get("error_rate"))),
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
        shown = _pct(value) if key == "error_rate" else f"{_num(value)} s"
        limit = _pct(limits[key]) if key == "error_rate" else f"{limits[key]:g} s"
        rows.append((label, shown, limit, "holds" if fine else "BROKEN"))
        bad.append(not fine)
    if "max_utilization" in limits:
        for tier, values in summary["tiers"].items():
            util = values.get("utilization")
            fine = util is not None and util <= limits["max_utilization"]
            rows.append(
                (
                    f"utilization {tier}",
                    _pct(util),
                    _pct(limits["max_utilization"]),
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
                _ms(t, "mean_s"),
                _ms(t, "p50_s"),
                _ms(t, "p95_s"),
                _ms(t, "p99_s"),
                f"{t.get('errors', 0):,}",
                _pct(t.get("error_rate")),
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
                _pct(t.get("utilization")),
                _pct(predicted),
                _with_ci(t, "throughput_rps"),
                _ms(t, "mean_wait_s"),
                _ms(t, "mean_response_s"),
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


def _loadtest_section(run: RunFiles) -> Section:
    summary = run.summary
    generator = summary.get("generator") or {}
    rows = [
        ("host", summary.get("host", "-")),
        ("generator processes", generator.get("processes", "-")),
        (
            "generator CPU mean / max %",
            f"{_num(generator.get('cpu_mean_pct'))} / {_num(generator.get('cpu_max_pct'))}",
        ),
        (
            "intended / achieved req/s",
            f"{_num(generator.get('intended_rps'))} / {_num(generator.get('achieved_rps'))}",
        ),
        (
            "saturated",
            "YES: " + "; ".join(generator.get("reasons", []))
            if generator.get("saturated")
            else "no",
        ),
    ]
    plan = summary.get("plan") or {}
    rows += [(f"plan: {k}", v) for k, v in plan.items()]
    blocks: list[Any] = [table(["", ""], rows)]
    reconciliation = summary.get("reconciliation") or {}
    if "skipped" in reconciliation:
        blocks.append(paragraph(f"Reconciliation skipped: {reconciliation['skipped']}"))
    elif reconciliation:
        by = reconciliation.get("by_transaction", {})
        blocks.append(
            table(
                ["write", "client ok", "in doubt", "server records", "lost", "duplicated"],
                [
                    (
                        n,
                        v["client_ok"],
                        v["in_doubt"],
                        v["server_records"],
                        v["lost"],
                        v["duplicated"],
                    )
                    for n, v in by.items()
                ]
                + [
                    (
                        "all",
                        reconciliation["client_ok"],
                        reconciliation["in_doubt"],
                        reconciliation["server_records"],
                        reconciliation["lost"],
                        reconciliation["duplicated"],
                    )
                ],
                [bool(v["lost"] or v["duplicated"]) for v in by.values()]
                + [bool(reconciliation["lost"] or reconciliation["duplicated"])],
            )
        )
    if run.has("locust-report.html"):
        blocks.append(
            Html(
                "<p>Locust's own report: "
                + link("locust-report.html", "locust-report.html").markup
                + "</p>"
            )
        )
    return Section("Load generation", blocks, anchor="load-generation")


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
                    figures.concurrency(series, window_s, label),
                    figures.throughput(series, window_s),
                    figures.response_time(series, window_s, limits.get("p95_s")),
                    figures.utilization(series, tiers, window_s, limits.get("max_utilization")),
                ],
            )
        )
    sections += [
        Section("Transactions", [_transactions(summary)]),
        Section("Tiers", [_tiers(summary)]),
    ]
    if kind == "loadtest":
        sections.append(_loadtest_section(run))
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
            "p95": f"{_num(o.get('p95_s'))} s",
            "throughput": f"{_num(o.get('throughput_rps'))} req/s",
            "error rate": _pct(o.get("error_rate")),
            "peak users": f"{o.get('peak_concurrency') or 0:,.0f}",
        },
    )
