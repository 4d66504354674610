"""The settings file and the process list of the development stack (infra/dev/stack.py) follow
Settings: every variable the stack writes is a Settings field, every shared field the environment
gives reaches the file without a list to update, per-process ones never do, and the number of
workers is Settings.workers (SIAGA_WORKERS), any number. Nothing is started."""
from __future__ import annotations

import pytest

from siaga.infra.dev import stack
from siaga.infra.settings import PER_PROCESS, Settings, env_name, shared_env_names

PORT_VARS = ("API_PORT", "SIAGA_BROKER_PORT", "SIAGA_PG_PORT", "SIAGA_TWILIO_PORT", "FAUST_WEB_PORT",
             "SIAGA_PAY_PORT")


@pytest.fixture
def clean_env(monkeypatch):
    """No setting in the environment (make test may run this under its own profile)."""
    for name in [*shared_env_names(), *(env_name(f) for f in PER_PROCESS), *PORT_VARS]:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("profile", ["run", "test", "bench"])
def test_every_variable_written_is_a_shared_setting_and_valid(clean_env, profile):
    clean_env.setattr(stack, "PROFILE", profile)
    env = stack._runtime_env()
    assert set(env) <= set(shared_env_names()), sorted(set(env) - set(shared_env_names()))
    s = Settings(_env_file=None, **{k.lower(): v for k, v in env.items()})   # as up() checks it
    assert s.api_url == env["API_URL"]


def test_every_shared_setting_in_the_environment_reaches_the_file(clean_env):
    clean_env.setattr(stack, "PROFILE", "run")
    given = {"SEARCH_RADII_KM": "[2,5,10,25,50]", "NOTIFIER_WORKERS": "3", "SIAGA_WORKERS": "5",
             "DEDUPE_RADIUS_M": "250", "SHARE_REQUESTER_CONTACT": "true", "KAFKA_LINGER_MS": "2",
             "INCIDENT_AREAS": '[{"name": "Banjir Demak", "lat": -6.89, "lon": 110.64, "radius_km": 25}]'}
    once = {"SIAGA_NOTIFIER_FAULT": "kill-after-send:3", "SIAGA_ADMIN_PASSWORD": "secret-pass-1",
            "FAUST_DATADIR": "/tmp/one-worker"}
    for k, v in {**given, **once}.items():
        clean_env.setenv(k, v)
    env = stack._runtime_env()
    assert {k: env.get(k) for k in given} == given
    assert not set(once) & set(env), "a per-process setting was written to the shared file"


def test_the_profile_defaults_yield_to_the_environment(clean_env):
    clean_env.setattr(stack, "PROFILE", "test")
    clean_env.setenv("OFFER_TIMEOUT_S", "30")
    env = stack._runtime_env()
    assert env["OFFER_TIMEOUT_S"] == "30" and env["ESCALATE_AFTER_S"] == stack.TEST_TIMING["ESCALATE_AFTER_S"]
    assert env["SIAGA_WORKERS"] == "2" and env["RATE_LIMIT_INTAKE"] == "1000000/minute"


@pytest.mark.parametrize("profile, given, count", [("run", None, 1), ("test", None, 2), ("fault", None, 2),
                                                   ("run", "4", 4), ("test", "1", 1), ("test", "7", 7)])
def test_worker_count_is_the_workers_setting(clean_env, profile, given, count):
    clean_env.setattr(stack, "PROFILE", profile)
    if given:
        clean_env.setenv("SIAGA_WORKERS", given)
    assert stack.worker_count() == count
    assert {f"worker-{i}" for i in range(1, count + 1)} <= set(stack.worker_names())
    if given is None and profile in stack.TEST_PROFILES:
        assert stack._runtime_env()["SIAGA_WORKERS"] == str(count)


def test_a_bad_worker_count_is_refused(clean_env):
    clean_env.setenv("SIAGA_WORKERS", "0")
    with pytest.raises(ValueError):
        stack.worker_count()
