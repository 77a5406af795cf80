"""A served class's processes, read from /proc (Linux): whose child each is, its command line,
its memory and processor time; and a free port to serve on. Shared by benchmarks/serve_load.py,
benchmarks/serve_limits.py (``from processes import …``, run as scripts) and
tests/test_serve_warm.py (``from benchmarks.processes import …``)."""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stat(pid: int) -> list[str]:
    """/proc/PID/stat's fields after the command's name (its state first, then its parent)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _parents() -> dict[int, int]:
    found: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError):
                found[int(entry)] = int(stat(int(entry))[1])
    return found


def children(pid: int) -> list[int]:
    return [child for child, parent in _parents().items() if parent == pid]


def descendants(pid: int) -> list[int]:
    parents = _parents()
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        below = [p for p, pp in parents.items() if pp == parent]
        found += below
        frontier += below
    return found


def cmdline(pid: int) -> bytes:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    return b""


def alive(pid: int) -> bool:
    """Running, or a zombie nobody reaped."""
    return Path(f"/proc/{pid}").exists()


def memory(pid: int) -> dict[str, float]:
    """USS (its pages no other process has), PSS and RSS of a process, in MB."""
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        with contextlib.suppress(ValueError, IndexError):
            fields[name] = int(rest.split()[0])
    return {"uss": (fields["Private_Clean"] + fields["Private_Dirty"]) / 1024,
            "pss": fields["Pss"] / 1024, "rss": fields["Rss"] / 1024}


def cpu_seconds(pid: int) -> float:
    """Its processor time so far, user and system (0 once it has gone)."""
    with contextlib.suppress(OSError, IndexError):
        fields = stat(pid)
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0
