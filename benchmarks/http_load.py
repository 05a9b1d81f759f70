"""A small keep-alive HTTP/1.1 load client on asyncio + uvloop, for loopback benchmarks.

Each of ``connections`` connections sends one request at a time. Closed-loop
(``rate`` None): the next request goes as soon as the answer arrives, which
measures capacity. Paced: each connection sends at ``rate / connections`` per
second from a random phase, which measures latency below saturation.
"""

from __future__ import annotations

import asyncio
import random
import time

import uvloop


async def _connection(
    host: str,
    port: int,
    request: bytes,
    stop_at: float,
    interval: float | None,
    latencies: list[float],
    errors: list[int],
    rng: random.Random,
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    next_send = time.perf_counter() + (rng.random() * interval if interval else 0.0)
    try:
        while True:
            if interval:
                delay = next_send - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                next_send += interval
            now = time.perf_counter()
            if now >= stop_at:
                return
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - now)
            if status >= 400:
                errors.append(status)
    finally:
        writer.close()


async def _run(host, port, request, connections, duration_s, rate, seed):
    latencies: list[float] = []
    errors: list[int] = []
    interval = connections / rate if rate else None
    rng = random.Random(seed)
    stop_at = time.perf_counter() + duration_s
    started = time.perf_counter()
    await asyncio.gather(
        *(
            _connection(host, port, request, stop_at, interval, latencies, errors, rng)
            for _ in range(connections)
        )
    )
    return latencies, errors, time.perf_counter() - started


def load(
    host: str,
    port: int,
    request: bytes,
    connections: int,
    duration_s: float,
    rate: float | None = None,
    seed: int = 1,
) -> tuple[list[float], list[int], float]:
    """(latencies, error statuses, wall seconds)."""
    return uvloop.run(_run(host, port, request, connections, duration_s, rate, seed))


def get_request(path: str, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()
