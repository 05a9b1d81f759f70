"""Each log format, detected and read, on lines the real servers wrote.

The inputs are under ``tests/peakload/data/access_logs/`` (its README says which
server wrote each and how): Apache's by Debian's apache2 (``apache/produce.sh``),
nginx's by Debian's nginx (``nginx/produce.sh``), IIS's copied from Microsoft's
documentation and from logs IIS wrote that their owners published.
"""

from __future__ import annotations

import gzip
import shutil
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from peakload.measure.access_log.formats import LogFormat
from peakload.measure.access_log.jsonl import FieldsError, JsonFields
from peakload.measure.access_log.lines import (
    FormatError,
    LineCounts,
    detect_format,
    read_batches,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "access_logs"
APACHE, NGINX, IIS = DATA / "apache", DATA / "nginx", DATA / "iis"


def _read(path: Path, fmt: LogFormat = LogFormat.AUTO, **kwargs) -> tuple[pl.DataFrame, LineCounts]:
    counts = LineCounts()
    frames = list(read_batches(path, fmt, counts, **kwargs))
    return pl.concat(frames), counts


def _epoch(text: str) -> float:
    return datetime.strptime(text, "%d/%b/%Y:%H:%M:%S %z").timestamp()


def _signature(frame: pl.DataFrame) -> dict:
    """The row of the signed-in POST to .../41/signature (the CGI that sleeps 1.2 s)."""
    return frame.filter(pl.col("path").str.ends_with("/signature")).row(0, named=True)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("common.log", LogFormat.COMMON),
        ("combined.log", LogFormat.COMBINED),
        ("common_usec.log", LogFormat.COMMON_USEC),
        ("combined_usec.log", LogFormat.COMBINED_USEC),
        ("combined_sec.log", LogFormat.COMBINED_SEC),
    ],
)
def test_apache_logs_are_detected_and_read(name, fmt):
    frame, counts = _read(APACHE / name)
    assert detect_format(APACHE / name) is fmt
    assert counts.bad == 0 and len(frame) == 9
    assert counts.no_request == 1  # the TLS hello on the plain port: no HTTP request
    assert counts.durations is fmt.has_durations
    row = _signature(frame)
    assert row["user"] == "1000042" and row["method"] == "POST" and row["status"] == 200
    line = (APACHE / name).read_text().splitlines()[row["line_no"] - 1]
    stamp = _epoch(line.split("[")[1].split("]")[0])  # Apache's %t: when it started
    took = {"usec": 1.2, "sec": 1.0}.get(name.split("_")[-1].removesuffix(".log"), 0.0)
    assert row["request_time"] == pytest.approx(took, abs=0.1)  # the CGI slept 1.2 s
    assert row["end_s"] == pytest.approx(stamp + row["request_time"])  # end = start + %D
    assert frame["line_no"].to_list() == list(range(1, 10))


def test_a_2_ms_apache_request_is_2_ms_not_2000_s():
    """%D is microseconds: the first line's (a few hundred to a few thousand) is
    milliseconds, not nginx's seconds."""
    frame, _ = _read(APACHE / "combined_usec.log")
    micros = int((APACHE / "combined_usec.log").read_text().splitlines()[0].split()[-1])
    assert frame["request_time"][0] == pytest.approx(micros / 1e6) and 60 <= micros < 100_000
    assert frame["request_time"].max() < 2


def test_combined_keeps_the_user_agent_and_common_has_none():
    combined, _ = _read(APACHE / "combined.log")
    common, _ = _read(APACHE / "common.log")
    assert combined["agent"][-1] == "curl/7.88.1"  # the last request; then the TLS hello
    assert set(common["agent"]) == {"-"}


def test_nginx_default_combined_and_timed():
    plain, counts = _read(NGINX / "combined.log")
    assert detect_format(NGINX / "combined.log") is LogFormat.COMBINED
    assert counts.bad == 0 and len(plain) == 5 and not counts.durations
    timed, counts = _read(NGINX / "timed.log")
    assert detect_format(NGINX / "timed.log") is LogFormat.NGINX and counts.durations
    slow = timed.filter(pl.col("path") == "/slow/statements").row(0, named=True)
    assert 0.3 <= slow["request_time"] < 1  # the backend slept 0.3 s
    msec = float((NGINX / "timed.log").read_text().splitlines()[3].split()[-1])
    assert slow["end_s"] == pytest.approx(msec)  # $msec: the end, to the millisecond


def test_iis_default_fields_are_read_in_utc():
    frame, counts = _read(IIS / "iis8_default_fields.log")
    assert detect_format(IIS / "iis8_default_fields.log") is LogFormat.W3C
    assert counts.bad == 0 and counts.directives == 4 and len(frame) == 5
    first = frame.row(0, named=True)
    assert first["end_s"] == datetime(2012, 8, 18, 19, 46, 57, tzinfo=UTC).timestamp()
    assert first["agent"].startswith("Mozilla/5.0+(compatible;+MSIE+10.0")
    assert first["client"] == "::1" and first["user"] == "-" and first["path"] == "/"
    assert frame["status"].to_list() == [200, 200, 200, 200, 404]
    assert frame["line_no"].to_list() == [5, 6, 7, 8, 9]  # after four directives


def test_iis_time_is_the_end_and_time_taken_is_milliseconds():
    """IIS 7.5, fields in another selection: 28782 ms is 28.782 s, ending at the stamp."""
    frame, counts = _read(IIS / "iis75_other_fields.log")
    assert counts.bad == 0 and len(frame) == 7 and counts.durations
    row = frame.filter(pl.col("path") == "/_Start.aspx").row(0, named=True)
    assert row["request_time"] == pytest.approx(28.782)
    assert row["end_s"] == datetime(2012, 11, 28, 22, 25, 56, tzinfo=UTC).timestamp()
    assert row["user"] == "AWalker" and row["client"] == "192.168.0.100"
    assert row["agent"] == "-"  # not among these fields


def test_iis4_documentation_example_takes_its_day_from_the_date_directive():
    frame, counts = _read(IIS / "iis4_documentation.log")
    assert counts.bad == 0 and len(frame) == 1 and not counts.durations
    row = frame.row(0, named=True)
    assert row["end_s"] == datetime(1997, 5, 2, 17, 42, 15, tzinfo=UTC).timestamp()
    assert row["method"] == "GET" and row["path"] == "/default.htm" and row["status"] == 200


def test_a_new_fields_directive_mid_file_switches_the_columns(tmp_path):
    """IIS writes its directives anew when it restarts, with the fields then selected:
    this file is the IIS 8 log followed by the IIS 7.5 one (``cat``), read 3 lines at a
    time so that the switch falls inside a batch and the fields carry across batches."""
    both = tmp_path / "u_ex.log"
    both.write_bytes(
        (IIS / "iis8_default_fields.log").read_bytes()
        + (IIS / "iis75_other_fields.log").read_bytes()
    )
    frame, counts = _read(both, batch_lines=3)
    assert counts.bad == 0 and len(frame) == 12 and counts.directives == 5
    assert frame["user"].to_list()[5:] == ["AWalker"] * 7
    assert frame["request_time"][7] == pytest.approx(28.782)


def test_json_lines_with_a_field_map():
    """nginx writing JSON lines (escape=json, $time_iso8601) as a log pipeline ships them."""
    fields = JsonFields.parse(
        "time=ts,client=ip,user=who,agent=ua,method=verb,path=url,status=code,request_time=took"
    )
    frame, counts = _read(NGINX / "shipped.jsonl", fields=fields)
    assert detect_format(NGINX / "shipped.jsonl") is LogFormat.JSONL
    assert counts.bad == 0 and len(frame) == 5
    row = frame.filter(pl.col("path") == "/slow/statements").row(0, named=True)
    assert 0.3 <= row["request_time"] < 1 and row["user"] == "1000042"
    assert row["end_s"] % 1 == 0 and row["end_s"] > 1.7e9  # $time_iso8601: whole seconds
    assert frame["user"][0] == "-"  # "" (nobody signed in) is no user


def test_json_lines_without_the_map_do_not_parse_and_a_bad_map_is_refused():
    _, counts = _read(NGINX / "shipped.jsonl")
    assert counts.bad == 5 and counts.first_bad.startswith('{"ts"')
    with pytest.raises(FieldsError, match="'when=ts' is not NAME=KEY"):
        JsonFields.parse("when=ts")
    with pytest.raises(FieldsError, match=":s, :ms or :us"):
        JsonFields.parse("request_time=took:hours")
    assert JsonFields.parse("request_time=took:ms,time=ts:start").duration_unit == 1e-3


def test_gzipped_files_are_read_directly(tmp_path):
    packed = tmp_path / "access.log.1.gz"
    with (APACHE / "combined_usec.log").open("rb") as src, gzip.open(packed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    plain, _ = _read(APACHE / "combined_usec.log")
    frame, counts = _read(packed)
    assert detect_format(packed) is LogFormat.COMBINED_USEC
    assert counts.bad == 0 and frame.equals(plain)


def test_an_unknown_format_names_the_formats_tried_and_the_first_line(tmp_path):
    path = tmp_path / "app.log"
    path.write_text("2026-12-02 03:35:24,117 INFO started worker 3\n" * 5)
    with pytest.raises(FormatError) as caught:
        detect_format(path)
    message = str(caught.value)
    assert "cannot tell the log's format" in message and "common, combined" in message
    assert "w3c, jsonl" in message and "'2026-12-02 03:35:24,117 INFO started worker 3'" in message


def test_json_lines_times_are_found_for_the_day_count_without_decoding():
    """The first pass finds each line's minute by a pattern; it agrees with the decoder."""
    from peakload.measure.access_log.jsonl import minute_keys

    fields = JsonFields.parse("time=ts,method=verb,path=url,status=code,request_time=took")
    lines = pl.DataFrame({"line": (NGINX / "shipped.jsonl").read_text().splitlines()})
    frame, _ = _read(NGINX / "shipped.jsonl", fields=fields)
    expected = [str(int(end // 60 * 60)) for end in frame["end_s"]]
    assert minute_keys(lines, fields).to_list() == expected


def test_json_lines_with_mixed_types_are_read_as_text_and_numbers(tmp_path):
    """A key holding numbers on some lines and text on others (a unit code, a token
    subject) is read as text; times as epoch numbers or ISO 8601 text alike."""
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        '{"time": 1587953702.5, "remote_user": 1000001, "method": "GET", "path": "/a", '
        '"status": 200, "request_time": 0.25, "extra": {"nested": [1, 2]}}\n'
        '{"time": "2020-04-27T09:15:03.500+07:00", "remote_user": "sub-7", "method": "POST", '
        '"path": "/b", "status": "201", "request_time": "0.5"}\n'
    )
    frame, counts = _read(path)
    assert counts.bad == 0 and frame["user"].to_list() == ["1000001", "sub-7"]
    assert frame["end_s"].to_list() == [1587953702.5, 1587953703.5]
    assert frame["status"].to_list() == [200, 201] and frame["request_time"][1] == 0.5
