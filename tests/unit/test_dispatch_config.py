"""The dispatch core's configs come from Settings (streams/dispatch_config.py), with no defaults of
their own for what a deployment sets, and the desk's fan-out follows the widest search radius."""
from __future__ import annotations

import dataclasses

import pytest

from siaga.core.dispatch.desk import DeskConfig
from siaga.core.dispatch.matcher import MatchConfig
from siaga.infra.settings import Settings, default_settings
from siaga.streams.dispatch_config import desk_config, match_config

# Fields that are the core's own constants, not settings: they may keep a default.
CORE_ONLY = {"pending_timeout_s", "phone_dedupe_radius_m", "radius_slack_m", "hold_grace_s", "ask_again_s"}
# Config field -> the Settings field it is built from, where the names differ.
RENAMED = {"radii_m": "search_radii_km", "retry_s": "match_retry_s", "link_base": "public_base_url",
           "link_secret": "task_link_secret", "verified_only": "verified_only_skills",
           "reach_m": "search_radii_km", "partitions": None}


@pytest.mark.parametrize("config", [MatchConfig, DeskConfig])
def test_no_config_default_duplicates_a_setting(config):
    defaulted = {f.name for f in dataclasses.fields(config)
                 if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING}
    assert defaulted <= CORE_ONLY, f"{config.__name__} defaults what Settings sets: {sorted(defaulted - CORE_ONLY)}"
    for f in dataclasses.fields(config):
        if f.name not in CORE_ONLY and RENAMED.get(f.name, f.name) is not None:
            assert RENAMED.get(f.name, f.name) in Settings.model_fields, f"{config.__name__}.{f.name}: no setting"


def test_configs_carry_the_settings():
    s = default_settings(search_radii_km=[1, 3], offers_at_once=2, offer_timeout_s=61, match_retry_s=3,
                         assigned_check_s=45, checkin_stale_s=600, prune_after_s=7200,
                         public_base_url="https://siaga.example.org", task_link_secret="k",
                         verified_only_skills=["medical"])
    m, d = match_config(s, partitions=4), desk_config(s, partitions=4)
    assert m.radii_m == [1000.0, 3000.0] and m.offers_at_once == 2 and m.offer_timeout_s == 61
    assert m.retry_s == 3 and m.assigned_check_s == 45 and m.checkin_stale_s == 600 and m.prune_after_s == 7200
    assert m.partitions == d.partitions == 4
    assert d.assigned_check_s == 45 and d.checkin_stale_s == 600
    assert d.link_base == "https://siaga.example.org" and d.link_secret == b"k"
    assert d.verified_only == frozenset({"medical"})
    for name in ("urgent_offer_timeout_s", "escalate_after_s", "urgent_escalate_after_s", "escalated_retry_s",
                 "dedupe_radius_m", "dedupe_window_s", "on_the_way_within_s", "done_within_s", "reminder_grace_s"):
        assert getattr(m, name) == getattr(s, name), name


@pytest.mark.parametrize("radii", [[2, 5, 10, 25], [2, 5, 10, 25, 50], [1], [5, 80, 30]])
def test_the_fan_out_follows_the_widest_search_radius(radii):
    s = default_settings(search_radii_km=radii)
    assert desk_config(s).reach_m == max(match_config(s).radii_m) == max(radii) * 1000.0


def test_default_settings_read_no_environment(monkeypatch):
    monkeypatch.setenv("SEARCH_RADII_KM", "[1, 2]")
    monkeypatch.setenv("OFFER_TIMEOUT_S", "7")
    assert Settings(_env_file=None).offer_timeout_s == 7.0      # the environment counts at run time
    s = default_settings()
    assert s.search_radii_km == [2.0, 5.0, 10.0, 25.0] and s.offer_timeout_s == 300.0
    assert default_settings(offer_timeout_s=60).offer_timeout_s == 60.0
