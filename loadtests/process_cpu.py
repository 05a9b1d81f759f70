"""CPU seconds of groups of processes, read from the operating system (psutil).

A tier of a real service is a set of processes: ``postgres`` and its backends,
the app's worker processes, nginx's master and workers. :class:`ProcessCpu`
keeps, per tier, a counter of the CPU seconds (user + system) its processes
spent since it was made, for the busy-time sources of
:mod:`loadtests.busy_sources`::

    cpu = ProcessCpu({"db": ProcessPattern("postgres"), "app": ProcessPattern("peakload serve")})
    ...                       # every interval:
    cpu.sample()              # {"db": 12.41, "app": 30.02}: cumulative seconds

**Which processes.** A process matches a pattern when its name is the pattern, or
its command line (as it is, or with each path argument shortened to its file
name) holds the pattern as whole words: ``peakload serve`` matches ``/venv/bin/python
/venv/bin/peakload serve --work real`` but ``postgres`` does not match
``--db postgresql://...``. With ``children`` (the default) a process also
belongs to the tier of its nearest matching ancestor, so worker processes a
server spawns (``multiprocessing``'s, whatever their command line) count with
it; a descendant that matches another tier itself (nginx started by the app)
belongs to that one. Where two tiers' patterns match one process, the first
tier listed wins. This process (the load generator's runner) is never counted.

A process keeps the tier it was first given for its life, as process-exporter
keeps its groups: a command line read once is enough (reading one can fail for
an instant while the process runs, and a program may rewrite its own).

**Processes come and go.** Each process is known by (PID, start time), so a
reused PID is a new process. Every sample adds each known process's CPU seconds
since the previous sample; a process started since then adds all of its own. A
process that exits takes with it its CPU since the last sample, except that its
parent reaps it: the kernel then adds the child's whole total to the parent's
*children* CPU times. That jump is counted for the part not already counted
(the child's last total is owed against it), so a short-lived worker or a
PostgreSQL backend that lives for one connection is counted once, in full, as
long as its parent is in a tier. An exit whose parent is not counted loses at
most one interval of that process's CPU.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cached_property

import psutil

Key = tuple[int, float]  # (pid, start time): a PID the kernel reuses is a new process
# (a start time is boot time + ticks: comparable between processes, not with time.time())


@dataclass(frozen=True)
class ProcessPattern:
    """Processes by name or command-line words, with (or without) their descendants."""

    pattern: str
    children: bool = True

    @cached_property
    def _words(self) -> re.Pattern[str]:
        return re.compile(rf"(^|\s){re.escape(self.pattern.strip())}(\s|$)")

    def matches(self, name: str, cmdline: list[str]) -> bool:
        """Its name is the pattern, or its command line holds the pattern as whole words."""
        if name == self.pattern:
            return True
        short = " ".join(os.path.basename(a) if a.startswith(("/", "./")) else a for a in cmdline)
        return bool(self._words.search(short) or self._words.search(" ".join(cmdline)))


@dataclass
class _Seen:
    tier: str
    parent: Key | None
    own: float  # user + system at the last sample
    reaped: float  # children_user + children_system at the last sample


def _times(process: psutil.Process) -> tuple[float, float]:
    t = process.cpu_times()
    return t.user + t.system, t.children_user + t.children_system


@dataclass
class ProcessCpu:
    """Cumulative CPU seconds per tier of the processes its patterns match."""

    patterns: dict[str, ProcessPattern]
    exclude: frozenset[int] = field(default_factory=lambda: frozenset({os.getpid()}))
    busy: dict[str, float] = field(init=False)
    _seen: dict[Key, _Seen] = field(init=False, default_factory=dict)
    _owed: dict[Key, float] = field(init=False, default_factory=dict)
    _listed: set[Key] = field(init=False, default_factory=set)  # every process last time

    def __post_init__(self) -> None:
        self.busy = dict.fromkeys(self.patterns, 0.0)
        self.sample(baseline=True)

    def _members(self) -> tuple[dict[Key, tuple[str, Key | None, psutil.Process]], set[Key]]:
        """Every process of a tier now: key -> (tier, parent key, process); and the keys
        of all processes listed, in a tier or not."""
        info: dict[int, dict] = {}
        for process in psutil.process_iter(["pid", "ppid", "name", "cmdline", "create_time"]):
            if process.info["pid"] not in self.exclude:
                info[process.info["pid"]] = {**process.info, "process": process}
        direct: dict[int, str] = {}
        for pid, entry in info.items():
            if (known := self._seen.get((pid, entry["create_time"]))) is not None:
                direct[pid] = known.tier  # matched once: kept (a command line can be unreadable)
                continue
            for tier, pattern in self.patterns.items():
                if pattern.matches(entry["name"] or "", entry["cmdline"] or []):
                    direct[pid] = tier
                    break

        def tier_of(pid: int) -> str | None:
            if pid in direct:
                return direct[pid]
            seen, parent = {pid}, info[pid]["ppid"]
            while parent in info and parent not in seen:
                if parent in direct:
                    tier = direct[parent]
                    return tier if self.patterns[tier].children else None
                seen.add(parent)
                parent = info[parent]["ppid"]
            return None

        members = {}
        for pid, entry in info.items():
            if (found := tier_of(pid)) is None:
                continue
            ppid = entry["ppid"]
            parent = (ppid, info[ppid]["create_time"]) if ppid in info else None
            members[(pid, entry["create_time"])] = (found, parent, entry["process"])
        return members, {(pid, entry["create_time"]) for pid, entry in info.items()}

    def sample(self, baseline: bool = False) -> dict[str, float]:
        """Read every matching process now; returns the tiers' cumulative CPU seconds."""
        members, listed = self._members()
        current: dict[Key, _Seen] = {}
        for key, (tier, parent, process) in members.items():
            try:
                own, reaped = _times(process)
            except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                continue
            current[key] = _Seen(tier, parent, own, reaped)
        for key, gone in self._seen.items():  # exited: its parent's reaped time will jump
            if key not in current and gone.parent in self._seen:
                self._owed[gone.parent] = self._owed.get(gone.parent, 0.0) + gone.own + gone.reaped
        for key, now in current.items():
            before = self._seen.get(key)
            if baseline:
                continue
            if before is None:
                if key not in self._listed:  # born since the last sample: all of it is new
                    self.busy[now.tier] += now.own + now.reaped
                continue
            jump = max(0.0, now.reaped - before.reaped)
            owed = min(jump, self._owed.get(key, 0.0))
            if owed:
                self._owed[key] -= owed
            self.busy[now.tier] += max(0.0, now.own - before.own) + jump - owed
        self._owed = {k: v for k, v in self._owed.items() if k in current and v > 0}
        self._seen, self._listed = current, listed
        return dict(self.busy)

    def pids(self) -> dict[str, list[int]]:
        """The PIDs counted at the last sample, per tier."""
        out: dict[str, list[int]] = {tier: [] for tier in self.patterns}
        for (pid, _), seen in self._seen.items():
            out[seen.tier].append(pid)
        return out
