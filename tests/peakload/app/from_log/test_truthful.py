"""``from-log`` says what it left out, and its placeholder scenario runs: on a log of a
service that is not the mock, with assets, a probe, a crawler and a poller in it."""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pytest

from peakload.cli import main
from tests.peakload.measure.access_log.synthetic import DAY, bystanders, write_shop_log


@pytest.fixture(scope="module")
def crowded_shop(tmp_path_factory):
    path = write_shop_log(tmp_path_factory.mktemp("shop") / "access.log", users=30, minutes=30)
    lines = [(float(line.rsplit(" ", 1)[1]), line) for line in path.read_text().splitlines()]
    others = bystanders(DAY + 9 * 3600, DAY + 9.5 * 3600, np.random.default_rng(5))
    added = {kind: len(more) for kind, more in others.items()}
    for more in others.values():
        lines += more
    lines.sort(key=lambda item: item[0])
    path.write_text("\n".join(text for _, text in lines) + "\n")
    return path, added


def test_header_and_console_say_what_was_folded_dropped_and_merged(crowded_shop, tmp_path, capsys):
    log, added = crowded_shop
    out = tmp_path / "shop.toml"
    command = ["scenario", "from-log", str(log), "--out", str(out), "--no-plots"]
    assert main([*command, "--max-transactions", "5"]) == 0
    console = " ".join(capsys.readouterr().out.split())  # as the terminal wrapped it
    text = out.read_text()
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    for said in (" ".join(header.replace("#", " ").split()), console):
        assert "asset lines folded into their page views" in said
        assert f"{added['probe']:,} probe, {added['crawler']:,} crawler" in said
        assert f"{added['periodic']:,} periodic (1 periodic clients)" in said
    assert "merged into 'other'" in header and "merged into 'other'" in console
    data = tomllib.loads(text)
    names = {t["name"] for t in data["transactions"]}
    assert "other" in names and len(names - {"login"}) <= 6
    details = json.loads(out.with_suffix(".json").read_text())
    assert details["naming"] == "templates"
    count = details["transactions"]["get_product"]["count"]
    assert details["templates"]["get_product"] == {"GET /shop/api/v2/products/{id}": count}
    assert len(details["templates"]["other"]) == len(details["merged_into_other"]) > 0
    assert details["not_users"]["dropped"]["probe"] == added["probe"]


def test_the_placeholder_scenario_passes_check_and_simulates(crowded_shop, tmp_path):
    log, _ = crowded_shop
    out = tmp_path / "shop.toml"
    assert main(["scenario", "from-log", str(log), "--out", str(out), "--quiet", "--no-plots"]) == 0
    assert "PLACEHOLDER SYSTEM" in out.read_text()
    assert main(["check", str(out)]) == 0
    runs = tmp_path / "runs"
    assert (
        main(["simulate", "--scenario", str(out), "--out", str(runs), "--quiet", "--no-plots"]) == 0
    )
    (run,) = runs.iterdir()
    summary = json.loads((run / "summary.json").read_text())
    assert summary["overall"]["throughput_rps"] > 0
    assert "pay_order" in summary["transactions"]


def test_a_log_with_no_user_left_exits_2_with_the_counts(tmp_path, capsys):
    others = bystanders(DAY + 9 * 3600, DAY + 10 * 3600, np.random.default_rng(6))
    lines = sorted((line for more in others.values() for line in more), key=lambda x: x[0])
    log = tmp_path / "bots.log"
    log.write_text("\n".join(text for _, text in lines) + "\n")
    code = main(["scenario", "from-log", str(log), "--quiet", "--out", str(tmp_path / "x.toml")])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no user left" in err[0]
    assert f"{len(others['probe']):,} probe" in err[0] and "--keep-bots" in err[0]


def test_keep_bots_counts_them_as_users(tmp_path, capsys):
    """The same bots-only log with --keep-bots: the crawler and the poller are users."""
    others = bystanders(DAY + 9 * 3600, DAY + 10 * 3600, np.random.default_rng(6))
    lines = sorted((line for more in others.values() for line in more), key=lambda x: x[0])
    log = tmp_path / "bots.log"
    log.write_text("\n".join(text for _, text in lines) + "\n")
    out = tmp_path / "x.toml"
    command = ["scenario", "from-log", str(log), "--out", str(out), "--no-plots", "--keep-bots"]
    assert main(command) == 0
    details = json.loads(out.with_suffix(".json").read_text())
    assert details["users"] == 2 and sum(details["not_users"]["dropped"].values()) == 0
