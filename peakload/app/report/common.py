"""The sections every page ends with: the scenario's assumptions, provenance and the
run's files, so a reader can tell what was assumed, what made the run and where
the raw numbers are."""

from __future__ import annotations

from typing import Any

from peakload.app.report.page import Html, Section, bullets, link, paragraph, preformatted, table
from peakload.app.report.run_files import RunFiles, assumptions

FILE_NOTES = {
    "summary.json": "the machine-readable summary",
    "timeseries.csv": "one row per minute",
    "scenario.toml": "the scenario exactly as run",
    "provenance.json": "what made this run",
    "sizing.json": "the sizing answer and the figures behind it",
    "locust-report.html": "Locust's own HTML report",
    "concurrency.png": "static plot",
    "throughput.png": "static plot",
    "response_time.png": "static plot",
    "utilization.png": "static plot",
    "capacity_curve.png": "static plot",
    "p95_vs_instances.png": "static plot",
}


def assumptions_section(run: RunFiles) -> Section:
    text = assumptions(run.scenario_text)
    if text is None:
        body = paragraph(
            "scenario.toml states no assumptions (no comment block at its top)"
            if run.scenario_text is not None
            else "no scenario.toml in this run directory"
        )
    else:
        body = preformatted(text)
    return Section(
        "Assumptions",
        [paragraph("The comments at the top of the scenario file, verbatim:"), body],
    )


def _memory(value: Any) -> str:
    return f"{value / 2**30:.1f} GiB" if isinstance(value, int | float) else "-"


def provenance_section(run: RunFiles) -> Section:
    record = run.provenance
    if record is None:
        return Section("Provenance", [paragraph("not recorded (the run predates provenance.json)")])
    return Section("Provenance", [provenance_table(record)])


def provenance_table(record: dict[str, Any]) -> Html:
    """One ``provenance.json`` record as a two-column table."""
    machine = record.get("machine") or {}
    commit = record.get("git_commit") or "unknown (not run from a git checkout)"
    if record.get("git_dirty"):
        commit += " (with uncommitted changes)"
    rows = [
        ("peakload version", record.get("peakload_version") or "-"),
        ("git commit", commit),
        ("seed", record.get("seed", "-")),
        ("command line", record.get("command", "-")),
        ("started", record.get("started", "-")),
        ("wall time", f"{record['wall_s']:.1f} s" if "wall_s" in record else "-"),
        ("machine", machine.get("hostname", "-")),
        ("cores", machine.get("cores", "-")),
        ("memory", _memory(machine.get("memory_bytes"))),
        ("platform", f"{machine.get('platform', '-')}, Python {machine.get('python', '-')}"),
    ]
    known = {"peakload_version", "git_commit", "git_dirty", "seed", "command", "started"}
    rows += [
        (key, value) for key, value in record.items() if key not in known | {"wall_s", "machine"}
    ]
    return table(["", ""], rows)


def files_section(run: RunFiles) -> Section:
    names = sorted(
        p.name
        for p in run.run_dir.iterdir()
        if p.name != "report.html" and not p.name.startswith(".")
    )
    items: list[str | Html] = []
    for name in names:
        note = FILE_NOTES.get(name)
        target = f"{name}/" if run.path(name).is_dir() else name
        items.append(Html(link(target, target).markup + (f" ({note})" if note else "")))
    return Section("Files", [paragraph("Everything in this run directory:"), bullets(items)])


def closing_sections(run: RunFiles) -> list[Section]:
    return [assumptions_section(run), provenance_section(run), files_section(run)]
