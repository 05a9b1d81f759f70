"""The page of a sizing run: the recommendation first, its confirmed figures, N-1,
the capacity curve and p95 against instances, all read from ``sizing.json``."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from peakload.app.errors import JobError
from peakload.app.numbers import num
from peakload.app.report import figures
from peakload.app.report.page import Headline, Report, Section, paragraph, table
from peakload.app.report.run_files import RunFiles
from peakload.contract.sizing import SizingDocument, TierNow, TierRecommended


def verdict_label(document: dict[str, Any]) -> str:
    """``SLO PASS`` or ``SLO FAIL``, exactly as ``sizing.json``'s ``slo.pass`` says."""
    return "SLO PASS" if document["slo"]["pass"] else "SLO FAIL"


def answer(document: dict[str, Any]) -> str:
    """``recommended: gateway 1x8, app 3x2, ...; cost 8 (now 5)``."""
    tiers = ", ".join(
        f"{name} {t['instances']}x{t['workers']}" for name, t in document["recommended"].items()
    )
    cost = document["cost"]
    return f"recommended: {tiers}; cost {cost['recommended']:g} (now {cost['current']:g})"


def _recommendation(document: dict[str, Any]) -> Any:
    rows, bad = [], []
    for name, new in document["recommended"].items():
        old = document["current"][name]
        util = document["slo"]["tiers"].get(name, {})
        n1 = document["n1"].get(name)
        rows.append(
            (
                name,
                TierNow.model_validate(old).size,
                TierRecommended.model_validate(new).size,
                new["servers"],
                f"{new['instances'] * new['cost']:g}",
                "-"
                if not util or util["bound"] is None
                else f"{100 * util['bound']:.1f}% (limit {100 * util['limit']:.0f}%)",
                "-" if n1 is None else ("holds" if n1["pass"] else "FAILS"),
            )
        )
        bad.append(n1 is not None and not n1["pass"])
    return table(
        ["tier", "now (inst x workers)", "recommended", "c", "cost", "utilization bound", "N-1"],
        rows,
        bad,
    )


def _confirmed(document: dict[str, Any]) -> Any:
    rows, bad = [], []
    for metric, f in document["slo"]["confirmed"].items():
        limit = f.get("limit")
        holds = limit is None or (f["bound"] is not None and f["bound"] <= limit)
        rows.append(
            (
                metric,
                num(f["estimate"], 4),
                f"± {num(f['ci95'], 2)}",
                num(f["bound"], 4),
                "-" if limit is None else f"{limit:g}",
                "holds" if holds else "BROKEN",
            )
        )
        bad.append(not holds)
    return table(["metric", "estimate", "95% CI", "bound", "limit", ""], rows, bad)


def _n1(document: dict[str, Any]) -> Any:
    rows = [
        (
            tier,
            r.get("lost", "-"),
            num(r.get("p95_s"), 4),
            f"± {num(r.get('p95_s_ci95'), 2)}",
            num(r.get("error_rate"), 3),
            "holds" if r["pass"] else "FAILS",
        )
        for tier, r in document["n1"].items()
    ]
    if not rows:
        return paragraph("N-1 not checked (--no-n1).")
    return table(
        ["tier", "lost", "p95 (s)", "95% CI", "error rate", ""],
        rows,
        [not r["pass"] for r in document["n1"].values()],
    )


def _candidates(document: dict[str, Any]) -> Any:
    rows = [
        (
            " ".join(f"{t} {n}" for t, n in c["instances"].items()),
            c["n1_lost"] or "-",
            f"{c['growth']:.3g}",
            c["replications"],
            c["stopped"],
            c["why"],
        )
        for c in document.get("candidates", [])
    ]
    if not rows:
        return paragraph("No candidate list (a sizing.json from before it was kept).")
    return table(["instances", "N-1 lost", "growth", "replications", "stopped", "why"], rows)


def read(run: RunFiles) -> dict[str, Any]:
    """``sizing.json`` read through its model (:class:`SizingDocument`): a file of
    another shape is one line naming its first wrong field, not a KeyError later."""
    try:
        return SizingDocument.model_validate(run.json("sizing.json")).to_dict()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise JobError(f"{run.path('sizing.json')}: {where}: {first['msg']}") from None


def build(run: RunFiles) -> Report:
    document = read(run)
    curve = document["capacity_curve"]
    carried = curve.get("max_peak_within_slo")
    first = curve.get("first_bottleneck")
    capacity_note = (
        f"First bottleneck: {first} at {curve['bottleneck_at'][first]:,.0f} peak users "
        f"(analytic); simulated within the SLO up to {carried:,.0f}."
        if first and carried
        else "The recommended configuration does not hold the SLO at the peak."
    )
    search = document["search"]
    sections = [
        Section("Recommendation", [_recommendation(document)]),
        Section("SLO at the 95% bound", [_confirmed(document)]),
        Section("N-1: one instance lost at the peak", [_n1(document)]),
        Section(
            "Capacity",
            [
                paragraph(capacity_note),
                figures.capacity_curve(document),
                figures.p95_against_instances(document),
            ],
        ),
        Section(
            "Search",
            [
                table(
                    ["", ""],
                    [(k, f"{v:.1f}" if isinstance(v, float) else v) for k, v in search.items()],
                )
            ]
            + ([paragraph("Notes: " + "; ".join(document["notes"]))] if document["notes"] else []),
        ),
        Section("Candidates: replications spent and why each stopped", [_candidates(document)]),
    ]
    when = run.when.strftime("%Y-%m-%d %H:%M") if run.when else "unknown time"
    violations = [v.get("message", str(v)) for v in document["slo"].get("violations", [])]
    return Report(
        kind="sizing",
        scenario=document["scenario"],
        title=f"Sizing: {document['scenario']}",
        subtitle=f"Sizing of {document['scenario']} for a peak of "
        f"{document['peak_concurrency']:,.0f} users, {when}",
        verdict=Headline(
            bool(document["slo"]["pass"]), verdict_label(document), answer(document), violations
        ),
        sections=sections,
        headline={
            "cost": f"{document['cost']['recommended']:g} (now {document['cost']['current']:g})",
            "p95 bound": f"{num(document['slo']['confirmed'].get('p95_s', {}).get('bound'))} s",
            "peak users": f"{document['peak_concurrency']:,.0f}",
        },
    )
