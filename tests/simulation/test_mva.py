"""Mean value analysis against its exact forms: one user, saturation, the general
load-dependent recursion."""

import math

import pytest

from simulation.mva import MvaStation, mva


def test_mva_single_user_and_saturation():
    one = mva([0.1, 0.2], users=1, think_s=1.0)
    assert one.response_s == pytest.approx(0.3)
    assert one.throughput == pytest.approx(1 / 1.3)
    many = mva([0.1, 0.2], users=500, think_s=1.0)
    assert many.throughput == pytest.approx(1 / 0.2, rel=1e-3)  # bottleneck bound 1 / Dmax
    # Seidmann: a c-server station with one user costs its demand, no more.
    assert mva([0.4], users=1, think_s=0.0, servers=[4]).response_s == pytest.approx(0.4)


def _load_dependent_mva(demands, users, think, rates):
    """Reiser and Lavenberg's load-dependent MVA in its general form, station k serving
    at rates[k](j) x 1/D with j present: the textbook recursion, O(N^2) per station."""
    p = [[1.0] + [0.0] * users for _ in demands]
    throughput, residence = 0.0, []
    for n in range(1, users + 1):
        residence = [
            sum(j * d / rate(j) * p[k][j - 1] for j in range(1, n + 1))
            for k, (d, rate) in enumerate(zip(demands, rates, strict=True))
        ]
        throughput = n / (think + sum(residence))
        for k, (d, rate) in enumerate(zip(demands, rates, strict=True)):
            new = [0.0] * (users + 1)
            for j in range(1, n + 1):
                new[j] = d / rate(j) * throughput * p[k][j - 1]
            new[0] = 1 - sum(new[1:])
            p[k] = new
    return throughput, residence


@pytest.mark.parametrize("c", [1, 2, 3, 6])
def test_exact_multiserver_mva_is_the_general_load_dependent_recursion(c):
    demands, users, think = [0.3, 0.2, 0.1], 30, 2.0
    throughput, residence = _load_dependent_mva(
        demands, users, think, [lambda j: min(j, c), lambda j: 1, lambda j: j]
    )
    kinds = [MvaStation.LOAD_DEPENDENT, MvaStation.QUEUE, MvaStation.DELAY]
    result = mva(demands, users, think, [c, 1, 1], kinds)
    assert result.throughput == pytest.approx(throughput, rel=1e-9)
    assert result.station_response_s == pytest.approx(residence, rel=1e-9)
    assert result.station_response_s[2] == pytest.approx(0.1)  # a delay: no queue
    assert math.isnan(result.utilization[2])


def test_seidmann_stations_are_unchanged_by_the_station_kinds():
    plain = mva([0.3, 0.2], 25, 1.0, [3, 1])
    kinds = mva([0.3, 0.2], 25, 1.0, [3, 1], [MvaStation.QUEUE, MvaStation.QUEUE])
    assert plain == kinds
