"""Request maps: templates, JSON paths, and a bad map's one line naming the file and key."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from peakload.core.json_path import Absent, JsonPath
from peakload.core.request_map import (
    BearerSignIn,
    CaptureSource,
    LoginSignIn,
    RequestMapError,
    load_request_map,
)
from peakload.core.scenario_file import load_scenario
from peakload.core.templates import (
    Context,
    PlaceholderKind,
    Template,
    TemplateError,
    fill,
    fill_json,
    parse_json,
    read_secrets,
)
from peakload.core.units import DEV_UNIT_SECRET, unit_password

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "invoices"
MAP = EXAMPLE / "invoices.requests.toml"


def context(**captures) -> Context:
    return Context(np.random.default_rng(4), 7, 1_000_008, dict(captures), {})


def test_placeholders_fill_from_captures_generators_and_the_user():
    ctx = context(invoice="3f2a", order={"id": 12})
    assert (
        fill(Template.parse("/v2/invoices/{invoice}/approve"), ctx) == "/v2/invoices/3f2a/approve"
    )
    assert fill(Template.parse("{{literal}} {user}-{unit_code}"), ctx) == "{literal} 7-1000008"
    keys = {fill(Template.parse("{uuid}"), ctx) for _ in range(100)}
    assert len(keys) == 100 and all(len(k) == 36 and k[14] == "4" for k in keys)
    ints = [fill(Template.parse("{int:3:5}"), ctx, typed=True) for _ in range(300)]
    assert set(ints) == {3, 4, 5}
    amounts = [fill(Template.parse("{amount:10:20}"), ctx, typed=True) for _ in range(300)]
    assert all(10 <= a <= 20 and round(a, 2) == a for a in amounts)
    assert {fill(Template.parse("{choice:A|B}"), ctx) for _ in range(100)} == {"A", "B"}


def test_a_uuid_replays_with_its_seed_in_one_run_and_never_in_another():
    def uuids(seed: int, run_token: str) -> list[str]:
        ctx = Context(np.random.default_rng(seed), 0, 1_000_001, {}, {}, run_token=run_token)
        return [fill(Template.parse("{uuid}"), ctx) for _ in range(50)]

    first = uuids(5, "a1b2c3d4e5f60718")
    assert uuids(5, "a1b2c3d4e5f60718") == first  # the same run's draws, replayed
    again = uuids(5, "0f1e2d3c4b5a6978")  # the same seed in another run
    assert not set(again) & set(first)
    # the token changes the key, not the user's draws: what follows is the seed's
    rng = np.random.default_rng(5)
    ctx = Context(rng, 0, 1_000_001, {}, {}, run_token="0f1e2d3c4b5a6978")
    fill(Template.parse("{uuid}"), ctx)
    untokened = np.random.default_rng(5)
    untokened.bytes(16)  # the draw a {uuid} takes, token or not
    assert rng.integers(1 << 30, size=4).tolist() == untokened.integers(1 << 30, size=4).tolist()


def test_the_unit_code_is_a_code_and_its_password_our_mocks():
    ctx = context()
    assert fill(Template.parse("{unit_code}"), ctx, typed=True) == "1000008"
    password = fill(Template.parse("{unit_password}"), ctx)
    assert password == unit_password(DEV_UNIT_SECRET, 1_000_008) and len(password) == 16


def test_a_json_body_keeps_single_placeholders_typed():
    body = parse_json(
        {"n": "{int:1:1}", "ref": "R-{int:2:2}", "order": "{order}", "x": [1, "{user}"]}
    )
    assert fill_json(body, context(order={"id": 12})) == {
        "n": 1,
        "ref": "R-2",
        "order": {"id": 12},
        "x": [1, 7],
    }


def test_a_capture_not_made_yet_is_an_error_of_the_step():
    with pytest.raises(TemplateError, match=r"\{invoice\} is not captured yet"):
        fill(Template.parse("/v2/invoices/{invoice}"), context())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{int:5}", "give a range, int:LOW:HIGH"),
        ("{int:9:1}", "LOW <= HIGH"),
        ("{rand:1}", "unknown kind 'rand'"),
        ("{env:}", "names no variable"),
        ("/a/{b", "unmatched brace"),
        ("{uuid:4}", "uuid takes no argument"),
    ],
)
def test_a_bad_placeholder_says_what_is_wrong(text, message):
    with pytest.raises(TemplateError, match=message):
        Template.parse(text)


def test_credentials_come_from_the_environment_or_a_file(tmp_path):
    (tmp_path / "secret.txt").write_text("s3cret\n")
    needed = Template.parse("{env:USER_A}:{file:secret.txt}").placeholders
    values = read_secrets(needed, tmp_path, {"USER_A": "ana"})
    assert values == {
        (PlaceholderKind.ENV, "USER_A"): "ana",
        (PlaceholderKind.FILE, "secret.txt"): "s3cret",
    }
    with pytest.raises(TemplateError, match="the variable USER_A is not set"):
        read_secrets(needed, tmp_path, {})
    with pytest.raises(TemplateError, match=r"\{file:secret.txt\}: cannot read"):
        read_secrets(needed, tmp_path / "elsewhere", {"USER_A": "ana"})


def test_json_paths_find_values_and_say_what_was_there_instead():
    doc = {"items": [{"id": 4}, {"id": 5}], "a b": True}
    assert JsonPath.parse("$.items[1].id").find(doc) == 5
    assert JsonPath.parse("$.items[-1].id").find(doc) == 5
    assert JsonPath.parse("$['a b']").find(doc) is True
    with pytest.raises(Absent, match=r"\$.item is absent: \$ is an object with items, a b"):
        JsonPath.parse("$.item").find(doc)
    with pytest.raises(Absent, match=r"\$.items\[2\] is absent: \$.items is a list of 2"):
        JsonPath.parse("$.items[2]").find(doc)
    with pytest.raises(ValueError, match="starts with"):
        JsonPath.parse("items[0]")


def test_the_example_map_reads_and_covers_its_scenario():
    request_map = load_request_map(MAP)
    assert isinstance(request_map.sign_in, LoginSignIn)
    assert request_map.sign_in.token is not None
    assert request_map.sign_in.token.source is CaptureSource.JSON
    create = request_map.transactions["create_invoice"]
    assert create.write and create.ok(201) and not create.ok(200)
    assert request_map.transactions["get_invoice"].ok(204)  # default: any 2xx
    assert {p.argument for p in request_map.secrets()} == {
        "INVOICES_USER",
        "INVOICES_PASSWORD",
        "INVOICES_API_TOKEN",
    }
    request_map.check_scenario(load_scenario(EXAMPLE / "invoices.toml"), str(MAP))


def bad(tmp_path: Path, old: str, new: str) -> list[str]:
    text = MAP.read_text()
    assert old in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new))
    with pytest.raises(RequestMapError) as caught:
        load_request_map(path)
    assert all(line.startswith(f"{path}: ") for line in caught.value.lines)
    return [line.removeprefix(f"{path}: ") for line in caught.value.lines]


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ('kind = "login"', 'kind = "logon"', "sign_in.kind: Input should be 'none' or 'login'"),
        (
            "success = [201]",
            "sucess = [201]",
            "transactions.create_invoice.sucess: unknown key (did you mean 'success'?)",
        ),
        (
            'path = "/v2/invoices/{invoice}/approve"',
            'path = "/v2/invoices/{invoce}/approve"',
            "transactions.approve_invoice: {invoce} is captured nowhere (captures: invoice, "
            "location, status)",
        ),
        (
            '{ json = "$.uuid" }',
            '{ json = "uuid" }',
            "transactions.create_invoice.capture.invoice: 'uuid': a JSON path starts with $",
        ),
        (
            '{ json = "$.uuid" }',
            '{ json = "$.uuid", header = "X" }',
            "transactions.create_invoice.capture.invoice: give exactly one of json",
        ),
        (
            'method = "POST"\npath = "/v2/invoices"\n',
            'method = "POTS"\npath = "/v2/invoices"\n',
            "transactions.create_invoice.method: Input should be 'GET', 'POST'",
        ),
        (
            "C-{int:1:500}",
            "C-{int:500}",
            "transactions.create_invoice.body: {int:500}: give a range",
        ),
        (
            'path = "/v2/invoices?status=approved"',
            'path = "v2/invoices"',
            "transactions.list_invoices.path: 'v2/invoices': a path starts with /",
        ),
        (
            "[reconciliation.counts.create_invoice]",
            "[reconciliation.counts.approve_invoice]",
            "reconciliation.counts.approve_invoice: counts records of a write transaction; "
            "approve_invoice is not a write",
        ),
        (
            'headers = { Authorization = "Bearer {env:INVOICES_API_TOKEN}" }',
            'headers = { Authorization = "Bearer {invoice}" }',
            "reconciliation.counts.create_invoice: {invoice} is a capture, but a count is "
            "asked outside any user's session",
        ),
    ],
)
def test_a_bad_map_is_one_line_naming_the_file_and_key(tmp_path, old, new, line):
    lines = bad(tmp_path, old, new)
    assert lines[0].startswith(line), lines


def test_a_map_that_misses_a_transaction_of_the_scenario_names_it(tmp_path):
    path = tmp_path / "short.toml"
    path.write_text(
        '[sign_in]\nkind = "bearer"\ntoken = "{env:T}"\n\n[transactions.get_invoice]\n'
        'path = "/v2/invoices/1"\n'
    )
    request_map = load_request_map(path)
    assert isinstance(request_map.sign_in, BearerSignIn)
    with pytest.raises(RequestMapError) as caught:
        request_map.check_scenario(load_scenario(EXAMPLE / "invoices.toml"), str(path))
    assert caught.value.lines == [
        f"{path}: transactions: no request for approve_invoice, create_invoice, list_invoices "
        "(scenario invoices runs them); add [transactions.approve_invoice]"
    ]


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(RequestMapError, match="no such file"):
        load_request_map(tmp_path / "none.toml")
    (tmp_path / "x.toml").write_text("[sign_in\n")
    with pytest.raises(RequestMapError, match="not valid TOML"):
        load_request_map(tmp_path / "x.toml")


def test_the_readmes_examples_are_the_tested_files():
    """docs/your-service.md: its map and module snippets are excerpts
    of examples/invoices (load-tested in tests/loadtests/test_foreign.py), its sign-in
    blocks are run there, and every TOML block reads."""
    from tests.loadtests.invoices import TASKS, readme_blocks

    tomls = readme_blocks("toml")
    assert len(tomls) == 5
    for block in tomls:
        if block.startswith("[transactions.") or block.startswith("[reconciliation."):
            assert block in MAP.read_text()
        if block.startswith("[sign_in]") and 'kind = "login"' in block:
            assert block.split("#")[0] in MAP.read_text()
    for block in readme_blocks("python"):
        assert block in TASKS.read_text()
