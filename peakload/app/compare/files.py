"""Comparison results as Markdown (a CI job summary) and JUnit XML (CI test reports)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from peakload.app.numbers import change, num4
from peakload.measure.compare import Row


def markdown(rows: list[Row], title: str) -> str:
    failed = [r for r in rows if r.failed]
    verdict = f"**FAIL**: {len(failed)} regression(s)" if failed else "**PASS**"
    lines = [f"### {title}", "", verdict, ""]
    if failed:
        lines += [
            "| regressed metric | baseline | current | change | tolerance | decided by |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for r in failed:
            lines.append(
                f"| `{r.metric}` | {num4(r.baseline)} | {num4(r.current)} | "
                f"{change(r)} | ±{r.tolerance.rel:.0%} (min {r.tolerance.abs:g}) | "
                f"{r.test} |"
            )
        lines.append("")
    lines += [
        "<details><summary>all metrics</summary>",
        "",
        "| metric | baseline | current | change | tolerance | decided by | verdict |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| `{r.metric}` | {num4(r.baseline)} | {num4(r.current)} | "
            f"{change(r)} | ±{r.tolerance.rel:.2g} | {r.test} | {r.verdict} |"
        )
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def junit(suites: dict[str, list[Row]]) -> str:
    """One <testsuite> per comparison, one <testcase> per metric, <failure> per regression."""
    all_rows = [r for rows in suites.values() for r in rows]
    root = ET.Element(
        "testsuites",
        name="peakload compare",
        tests=str(len(all_rows)),
        failures=str(sum(r.failed for r in all_rows)),
    )
    for suite, rows in suites.items():
        failures = sum(r.failed for r in rows)
        element = ET.SubElement(
            root,
            "testsuite",
            name=suite,
            tests=str(len(rows)),
            failures=str(failures),
            errors="0",
            skipped="0",
        )
        for r in rows:
            case = ET.SubElement(element, "testcase", classname=suite, name=r.metric)
            if r.failed:
                failure = ET.SubElement(
                    case,
                    "failure",
                    type="regression",
                    message=f"{r.metric} {num4(r.baseline)} -> {num4(r.current)} "
                    f"({change(r)}), tolerance ±{r.tolerance.rel:.2g}",
                )
                failure.text = f"{r.detail}; decided by {r.test}"
            else:
                ET.SubElement(case, "system-out").text = f"{r.verdict}: {r.detail} ({r.test})"
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write(path: str | Path | None, text: str) -> None:
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text)
