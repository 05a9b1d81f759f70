import math

import pytest

from simulation.analytic import (
    erlang_c,
    mgc_station,
    mmc_sojourn_cdf,
    mmc_sojourn_percentile,
    mmck_blocking,
    mva,
    pollaczek_khinchine_wait,
)


def test_erlang_c_known_values():
    assert erlang_c(1, 0.9) == pytest.approx(0.9)  # M/M/1: P(wait) = rho
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(4, 4.5) == 1.0  # overloaded


def test_mgc_station_is_pk_for_one_server():
    rate, mean, scv = 8.0, 0.1, 2.25
    est = mgc_station(rate, mean, 1, scv)
    assert est.mean_wait_s == pytest.approx(
        pollaczek_khinchine_wait(rate, mean, (1 + scv) * mean**2)
    )
    assert not mgc_station(11.0, 0.1, 1).stable


def test_mmck_blocking_reduces_to_mm1k():
    rho, k = 0.8, 5
    expected = (1 - rho) * rho**k / (1 - rho ** (k + 1))
    assert mmck_blocking(0.8, 1.0, 1, k) == pytest.approx(expected)
    assert mmck_blocking(1000.0, 1.0, 200, 200) == pytest.approx(1 - 200 / 1000, abs=0.01)


def test_mmc_sojourn_percentile():
    # M/M/1: sojourn is exponential with rate mu - lambda.
    assert mmc_sojourn_percentile(0.95, 9.0, 0.1, 1) == pytest.approx(math.log(20) / 1.0)
    # Many idle servers: the response is just the exponential service.
    assert mmc_sojourn_percentile(0.95, 0.01, 1.0, 50) == pytest.approx(math.log(20), rel=1e-3)
    assert mmc_sojourn_cdf(0.5, 9.0, 1.0, 10) < mmc_sojourn_cdf(1.5, 9.0, 1.0, 10)


def test_mva_single_user_and_saturation():
    one = mva([0.1, 0.2], users=1, think_s=1.0)
    assert one.response_s == pytest.approx(0.3)
    assert one.throughput == pytest.approx(1 / 1.3)
    many = mva([0.1, 0.2], users=500, think_s=1.0)
    assert many.throughput == pytest.approx(1 / 0.2, rel=1e-3)  # bottleneck bound 1 / Dmax
    # Seidmann: a c-server station with one user costs its demand, no more.
    assert mva([0.4], users=1, think_s=0.0, servers=[4]).response_s == pytest.approx(0.4)
