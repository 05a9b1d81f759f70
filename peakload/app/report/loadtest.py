"""The load-test part of a run's page: was the generator honest, was every write
accounted for, and Locust's own report beside it."""

from __future__ import annotations

from typing import Any

from peakload.app.numbers import num
from peakload.app.report.page import Html, Section, link, paragraph, table
from peakload.app.report.run_files import RunFiles


def load_generation(run: RunFiles) -> Section:
    summary = run.summary
    generator = summary.get("generator") or {}
    rows = [
        ("host", summary.get("host", "-")),
        ("generator processes", generator.get("processes", "-")),
        (
            "generator CPU mean / max %",
            f"{num(generator.get('cpu_mean_pct'))} / {num(generator.get('cpu_max_pct'))}",
        ),
        (
            "intended / achieved req/s",
            f"{num(generator.get('intended_rps'))} / {num(generator.get('achieved_rps'))}",
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
    why_not = reconciliation.get("not_checked") or reconciliation.get("skipped")
    if why_not:
        blocks.append(paragraph(f"Lost and duplicated writes: not checked ({why_not})."))
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
