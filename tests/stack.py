"""Finding the running stack from tests: `make test` starts it and writes its settings file."""
from __future__ import annotations

import time

import pytest

from infra.settings import RUNTIME_DIR, read_env_file


ENV_FILE = RUNTIME_DIR / "env"


def read_env() -> dict[str, str]:
    return read_env_file(ENV_FILE)


def stack_env() -> dict[str, str]:
    if not ENV_FILE.exists():
        pytest.skip(f"needs the running stack (make test starts it); no {ENV_FILE}")
    return read_env()


def wait_for(predicate, timeout: float, what: str = "condition", interval: float = 0.2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for: {what} (last: {last!r})")
