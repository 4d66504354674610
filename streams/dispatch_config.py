"""The dispatch core's configs, built from Settings in this one place: the Faust agents
(streams/dispatch.py), the crash simulator (tests/dispatch_sim.py) and the tests all take them
from here, so the pure core (core/dispatch/) keeps no defaults of its own for what a deployment
sets and never reads the environment itself."""
from __future__ import annotations

from siaga.core.dispatch.desk import DeskConfig
from siaga.core.dispatch.matcher import MatchConfig
from siaga.infra.settings import Settings
from siaga.schemas.topics import MATCH_PARTITIONS


def search_radii_m(s: Settings) -> list[float]:
    return [r * 1000.0 for r in s.search_radii_km]


def match_config(s: Settings, partitions: int = MATCH_PARTITIONS) -> MatchConfig:
    return MatchConfig(
        radii_m=search_radii_m(s), offers_at_once=s.offers_at_once,
        offer_timeout_s=s.offer_timeout_s, urgent_offer_timeout_s=s.urgent_offer_timeout_s,
        assigned_check_s=s.assigned_check_s, retry_s=s.match_retry_s,
        escalate_after_s=s.escalate_after_s, urgent_escalate_after_s=s.urgent_escalate_after_s,
        escalated_retry_s=s.escalated_retry_s, dedupe_radius_m=s.dedupe_radius_m,
        dedupe_window_s=s.dedupe_window_s, partitions=partitions, checkin_stale_s=s.checkin_stale_s,
        on_the_way_within_s=s.on_the_way_within_s, done_within_s=s.done_within_s,
        reminder_grace_s=s.reminder_grace_s, prune_after_s=s.prune_after_s,
    )


def desk_config(s: Settings, partitions: int = MATCH_PARTITIONS) -> DeskConfig:
    return DeskConfig(
        partitions=partitions, checkin_stale_s=s.checkin_stale_s, assigned_check_s=s.assigned_check_s,
        link_base=s.public_base_url, link_secret=s.task_link_secret.encode(),
        # The fan-out follows the widest search radius: a volunteer published less far would be
        # invisible to a matcher across a border that the search itself reaches.
        reach_m=max(search_radii_m(s)),
        verified_only=frozenset(s.verified_only_skills),
    )
