"""``calibration.json``: the report as a file people read and programs load back.

Indented to be read; the joint draws (:class:`~peakload.contract.calibration.JointDraws`,
some 200 rows of one figure per demand) come last, one draw to a line, so the file
stays a few hundred lines and its head is what a planner reads.
:meth:`CalibrationReport.model_validate_json` reads it back whole.
"""

from __future__ import annotations

import json

from peakload.app.run_dir import jsonable
from peakload.contract.calibration import CalibrationReport


def report_json(report: CalibrationReport) -> str:
    """``calibration.json``'s text: indented to be read, but the joint draws (some 200
    rows of one figure per demand) one row to a line, at the end, out of the way."""
    data = jsonable(report.model_dump(mode="json"))
    joint = data.pop("joint_draws", None)
    text = json.dumps(data, indent=2)
    if joint is None:
        return text + "\n"
    entries = ",\n".join(f"      {json.dumps(entry)}" for entry in joint["entries"])
    rows = ",\n".join(f"      {json.dumps(row)}" for row in joint["offsets_s"])
    background = ",\n".join(
        f"      {json.dumps(tier)}: {json.dumps(offsets)}"
        for tier, offsets in joint.get("background", {}).items()
    )
    return (
        f'{text[:-2]},\n  "joint_draws": {{\n    "entries": [\n{entries}\n    ],\n'
        f'    "offsets_s": [\n{rows}\n    ],\n'
        f'    "background": {{\n{background}\n    }}\n  }}\n}}\n'
    )
