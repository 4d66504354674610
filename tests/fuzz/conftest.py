"""The running stack for the fuzz tests (make test / make fuzz start it), or a skip that says why."""
from __future__ import annotations

import os

import httpx
import pytest

from tests.stack import ENV_FILE, read_env

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture(scope="module")
def env() -> dict[str, str]:
    if not ENV_FILE.exists():
        pytest.skip(f"needs the running stack (make test starts it); no {ENV_FILE}")
    env = read_env()
    try:
        httpx.get(env["API_URL"] + "/healthz", timeout=5, trust_env=False)
    except httpx.HTTPError as exc:
        pytest.skip(f"the stack's API at {env.get('API_URL')} does not answer: {exc}")
    return env
