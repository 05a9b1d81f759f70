"""The mock service's overhead against a bare FastAPI endpoint, in the same run.

Both run as uvicorn processes with the same settings (uvloop, httptools, one
worker) on loopback; a load client in another process holds ~500 keep-alive
connections. The mock route is GET /api/v1/payment-orders/{id}: token check,
a database read, the response model. Two measurements each:

- capacity: closed loop, every connection sends again as soon as answered;
- added latency: paced at a rate both serve comfortably; the median difference
  is the mock's overhead per request (target: under 2 ms).

Usage: python benchmarks/mock_overhead.py [--connections 500] [--seconds 10] [--rate 800]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from benchmarks.http_load import get_request, load
from loadtests.mock_process import MockServer, free_port
from peakload.core.runtime import raise_fd_limit
from peakload.core.units import DEV_UNIT_SECRET, unit_password

ROOT = Path(__file__).resolve().parents[1]


def start_bare(port: int) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "benchmarks.bare_app:app",
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--log-level",
        "warning",
        "--no-access-log",
        "--timeout-keep-alive",
        "75",
    ]
    process = subprocess.Popen(command, cwd=ROOT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bare", timeout=1)
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("bare app did not start")


def prepare_mock(url: str) -> tuple[str, int]:
    body = json.dumps(
        {"unit_code": "1000001", "password": unit_password(DEV_UNIT_SECRET, 1000001)}
    ).encode()
    request = urllib.request.Request(
        f"{url}/api/v1/auth/token", data=body, headers={"Content-Type": "application/json"}
    )
    token = json.loads(urllib.request.urlopen(request).read())["access_token"]
    order = json.dumps(
        {
            "amount": 1_000_000,
            "budget_code": "6501",
            "payee_name": "EVN",
            "payee_account": "1200100112233",
            "content": "bench",
        }
    ).encode()
    request = urllib.request.Request(
        f"{url}/api/v1/payment-orders",
        data=order,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    return token, json.loads(urllib.request.urlopen(request).read())["id"]


def measure(
    port: int,
    request: bytes,
    connections: int,
    seconds: float,
    rate: float | None,
    client: ProcessPoolExecutor | None = None,
) -> dict[str, float]:
    """One load of ``seconds`` from a client in a process of its own: ``client``'s
    (one process, kept for several measurements), else one started for this one."""
    if client is None:
        with ProcessPoolExecutor(1) as pool:  # the client in its own process and core
            return measure(port, request, connections, seconds, rate, pool)
    latencies, errors, wall = client.submit(
        load, "127.0.0.1", port, request, connections, seconds, rate
    ).result()
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / wall,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(0.95 * len(latencies))] * 1000,
        "errors": len(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=800.0, help="paced requests/s")
    args = parser.parse_args()
    raise_fd_limit()
    os.environ.setdefault("PEAKLOAD_UNIT_SECRET", DEV_UNIT_SECRET)

    bare_port = free_port()
    bare = start_bare(bare_port)
    with tempfile.TemporaryDirectory() as tmp, MockServer(None, Path(tmp) / "bench.db") as mock:
        try:
            token, order_id = prepare_mock(mock.url)
            requests = {
                "bare FastAPI": (bare_port, get_request("/bare")),
                "mock get_payment": (
                    mock.port,
                    get_request(
                        f"/api/v1/payment-orders/{order_id}", {"Authorization": f"Bearer {token}"}
                    ),
                ),
            }
            results = {}
            for name, (port, request) in requests.items():
                results[name] = {
                    "capacity": measure(port, request, args.connections, args.seconds, None),
                    "paced": measure(port, request, args.connections, args.seconds, args.rate),
                }
        finally:
            bare.terminate()
            bare.wait()

    print(f"{args.connections} keep-alive connections on loopback, {args.seconds:.0f} s each")
    for name, result in results.items():
        cap, paced = result["capacity"], result["paced"]
        print(
            f"  {name:18s} capacity {cap['rps']:7,.0f} req/s (p50 {cap['p50_ms']:6.1f} ms) | "
            f"paced {paced['rps']:5,.0f} req/s: p50 {paced['p50_ms']:5.2f} ms, "
            f"p95 {paced['p95_ms']:5.2f} ms, errors {cap['errors'] + paced['errors']}"
        )
    bare_r, mock_r = results["bare FastAPI"], results["mock get_payment"]
    overhead = mock_r["paced"]["p50_ms"] - bare_r["paced"]["p50_ms"]
    ratio = mock_r["capacity"]["rps"] / bare_r["capacity"]["rps"]
    paced_rps = mock_r["paced"]["rps"]
    print(
        f"  mock overhead: median +{overhead:.2f} ms per request at {paced_rps:.0f} req/s "
        f"(target < 2 ms); capacity {ratio:.2f}x of bare FastAPI"
    )


if __name__ == "__main__":
    main()
