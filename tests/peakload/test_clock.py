import pytest

from peakload.core.clock import format_clock, parse_clock, parse_window
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
