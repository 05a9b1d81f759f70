import pytest
from hypothesis import given
from hypothesis import strategies as st

from peakload.core.clock import format_clock, format_instant, parse_clock, parse_window
from peakload.core.profile import Profile


@pytest.mark.parametrize(
    ("text", "seconds"), [("09:00", 32400), ("9:05", 32700), ("10:00:30", 36030), ("24:00", 86400)]
)
def test_parse_clock(text, seconds):
    assert parse_clock(text) == seconds


@pytest.mark.parametrize("text", ["9am", "25:00", "10:60", "24:01", ""])
def test_bad_clock_is_an_error(text):
    with pytest.raises(ValueError):
        parse_clock(text)


def test_format_round_trips():
    assert format_clock(36030, with_seconds=True) == "10:00:30"
    assert format_clock(36030) == "10:00"


def test_window_must_be_ordered():
    assert parse_window("09:00-11:00") == ("09:00", "11:00")
    with pytest.raises(ValueError, match="ends before it starts"):
        parse_window("11:00-09:00")


def test_profile_is_linear_between_points_and_flat_outside():
    profile = Profile((100.0, 200.0, 400.0), (0.0, 10.0, 0.0))
    assert profile.at(50) == 0.0
    assert profile.at(150) == pytest.approx(5.0)
    assert profile.at(300) == pytest.approx(5.0)
    assert profile.at(1000) == 0.0
    assert profile.integral(100, 400) == pytest.approx(1500.0)
    assert profile.peak == 10.0 and not profile.is_constant()


# Properties: every clock text and every second of the day, not a few chosen ones.
DAY_S = 24 * 3600


@st.composite
def clock_texts(draw) -> tuple[str, float]:
    """A clock text as a scenario may write it (one- or two-digit hours, seconds or
    not, a fraction or not) and the seconds it stands for."""
    seconds = draw(st.integers(0, DAY_S - 1))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    hour_text = draw(st.sampled_from([f"{hours:02d}", str(hours)]))
    form = draw(st.sampled_from(["hh:mm", "hh:mm:ss", "hh:mm:ss.f"]))
    if form == "hh:mm":
        return f"{hour_text}:{minutes:02d}", float(hours * 3600 + minutes * 60)
    if form == "hh:mm:ss":
        return f"{hour_text}:{minutes:02d}:{secs:02d}", float(seconds)
    fraction = draw(st.integers(0, 999))
    return f"{hour_text}:{minutes:02d}:{secs:02d}.{fraction:03d}", seconds + fraction / 1000


@given(clock_texts())
def test_parse_clock_reads_every_written_form(written):
    text, seconds = written
    assert parse_clock(text) == pytest.approx(seconds, abs=1e-9)
    assert parse_clock(f"  {text} ") == parse_clock(text)  # surrounding blanks are no matter


@given(st.integers(0, DAY_S))
def test_format_then_parse_is_the_identity_on_whole_seconds(seconds):
    text = format_clock(seconds, with_seconds=True)
    assert len(text) == 8 and parse_clock(text) == seconds
    minute = format_clock(seconds)
    assert parse_clock(minute) == seconds - seconds % 60  # HH:MM drops the seconds
    assert text.startswith(minute)


@given(clock_texts())
def test_format_gives_the_canonical_text_of_what_it_parsed(written):
    text, _ = written
    seconds = parse_clock(text)
    canonical = format_clock(seconds, with_seconds=True)
    assert parse_clock(canonical) == round(seconds)  # the nearest whole second
    assert format_clock(parse_clock(canonical), with_seconds=True) == canonical


@given(st.floats(0, DAY_S - 0.5, allow_nan=False))
def test_format_rounds_to_the_nearest_second(seconds):
    assert abs(parse_clock(format_clock(seconds, with_seconds=True)) - seconds) <= 0.5


@given(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99))
def test_parse_clock_refuses_what_is_not_a_time_of_day(hours, minutes, seconds):
    text = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    midnight = (hours, minutes, seconds) == (24, 0, 0)  # the day's end, as 24:00
    valid = minutes < 60 and seconds < 60 and (hours < 24 or midnight)
    if valid:
        assert parse_clock(text) == hours * 3600 + minutes * 60 + seconds
    else:
        with pytest.raises(ValueError, match=text):
            parse_clock(text)


@given(st.integers(0, DAY_S))
def test_format_instant_is_exact_and_short(seconds):
    text = format_instant(seconds)
    assert parse_clock(text) == seconds  # exact: never drops seconds
    assert len(text) == (5 if seconds % 60 == 0 else 8)  # short: HH:MM on a whole minute
