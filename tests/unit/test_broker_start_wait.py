"""A node just started must count as running: between fork and exec the child's command line is
Python's, and a check made in that window called a healthy node dead (CI, 2026-12-06)."""
from __future__ import annotations

import time

from siaga.infra.dev import broker, procs


def _spawn_late_exec(tmp_path, delay: float) -> int:
    for sub in ("logs", "pids"):
        (tmp_path / sub).mkdir(exist_ok=True)
    # The shell stands in for the window before exec: its command line is not the JVM's yet.
    argv = ["bash", "-c", f"sleep {delay}; exec -a kafka.Kafka sleep 30"]
    return procs.start("late", argv, tmp_path, {"PATH": "/usr/bin:/bin"})


def test_wait_exec_returns_once_the_child_is_the_broker(tmp_path):
    pid = _spawn_late_exec(tmp_path, 0.4)
    try:
        assert not broker.is_ours(pid)   # the window exists
        broker._wait_exec(pid)
        assert broker.is_ours(pid)
    finally:
        procs.stop("late", tmp_path, timeout=2)


def test_wait_exec_gives_up_on_a_child_that_died(tmp_path):
    for sub in ("logs", "pids"):
        (tmp_path / sub).mkdir(exist_ok=True)
    pid = procs.start("dead", ["bash", "-c", "exit 3"], tmp_path, {"PATH": "/usr/bin:/bin"})
    started = time.monotonic()
    broker._wait_exec(pid, timeout=10)
    assert time.monotonic() - started < 5
    assert not broker.is_ours(pid)
