"""Finding the running stack from tests: `make test` starts it and writes its settings file."""
from __future__ import annotations

import time

import pytest

from infra.settings import RUNTIME_DIR


def stack_env() -> dict[str, str]:
    path = RUNTIME_DIR / "env"
    if not path.exists():
        pytest.skip(f"needs the running stack (make test starts it); no {path}")
    env = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            env[k] = v
    return env


def wait_for(predicate, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")
