"""Where replications run: local processes (all cores) or a Dask cluster.

Both offer ``map(function, items) -> list`` and keep the order of ``items``,
so a search can hand over a batch of (candidate, seed) jobs and get the
results back in place.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_all_start_methods, get_context
from typing import Any, Protocol, cast


class Executor(Protocol):
    """Runs one function over many items, somewhere, and returns results in order."""

    workers: int
    """How many items run at once: processes, or the cluster's threads."""

    def map(self, function: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        """``[function(item) for item in items]``, computed in parallel, in order.

        ``function`` and the items must pickle (a module-level function).
        """
        ...

    def close(self) -> None:
        """Release the workers (or the connection this executor opened)."""
        ...


class LocalExecutor:
    """A process pool on this machine (fork: workers start at once)."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or os.cpu_count() or 1
        """Processes in the pool (default: all cores); with 1, no pool at all."""
        method = "fork" if "fork" in get_all_start_methods() else "spawn"
        self._pool = (
            ProcessPoolExecutor(self.workers, mp_context=get_context(method))
            if self.workers > 1
            else None
        )

    def map(self, function: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        """See :meth:`Executor.map`; runs in this process when ``workers`` is 1."""
        if self._pool is None:
            return [function(item) for item in items]
        return list(self._pool.map(function, items))

    def close(self) -> None:
        """Shut the pool down, waiting for running work."""
        if self._pool is not None:
            self._pool.shutdown()


class DaskExecutor:
    """An existing Dask distributed scheduler (``pip install -e '.[cluster]'``)."""

    def __init__(self, address: str | Any):
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - depends on the optional extra
            raise RuntimeError("--cluster needs Dask: pip install -e '.[cluster]'") from None
        # A client passed in (anything with ``map``, as tests pass) or one opened here.
        self._client = cast(Client, address) if hasattr(address, "map") else Client(address)
        self._owns_client = not hasattr(address, "map")
        self.workers = max(1, sum(self._client.nthreads().values()))
        """Threads over all the cluster's workers, when connected."""

    def map(self, function: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        """See :meth:`Executor.map`: submitted to the cluster, gathered in order."""
        futures = self._client.map(function, list(items), pure=False)
        return self._client.gather(futures)

    def close(self) -> None:
        """Close the connection if this executor opened it (not a client passed in)."""
        if self._owns_client:
            self._client.close()
