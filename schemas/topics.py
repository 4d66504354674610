"""The one registry of topics. Every producer and consumer takes names and partition counts
from here, and infra/topics.py creates them all before first use (the brokers do not
auto-create topics). Replication factor and min.insync.replicas are deployment settings
(KAFKA_REPLICATION_FACTOR, KAFKA_MIN_INSYNC_REPLICAS), applied by infra/topics.py."""
from __future__ import annotations

from dataclasses import dataclass, field

from schemas import events as ev

DAY_MS = 24 * 3600 * 1000
# Topics that one Faust agent joins with a table must have the same partition count.
MATCH_PARTITIONS = 8


@dataclass(frozen=True)
class TopicSpec:
    name: str
    key: str
    partitions: int
    values: tuple[type, ...]
    producers: tuple[str, ...]
    consumers: tuple[str, ...]
    cleanup_policy: str = "delete"
    retention_ms: int = 30 * DAY_MS
    doc: str = ""
    extra_config: dict[str, str] = field(default_factory=dict)

    def config(self) -> dict[str, str]:
        cfg = {"cleanup.policy": self.cleanup_policy}
        if self.cleanup_policy == "delete":
            cfg["retention.ms"] = str(self.retention_ms)
        else:
            # The active segment is never compacted: roll daily so old values do go away.
            cfg["segment.ms"] = str(DAY_MS)
        cfg.update(self.extra_config)
        return cfg


TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec("aid-requests", "request_id", MATCH_PARTITIONS, (ev.AidRequest, ev.AidRequestLocated),
              ("api", "webhooks"), ("dispatch", "sink"), doc="Accepted aid requests."),
    TopicSpec("volunteer-registrations", "volunteer_id", MATCH_PARTITIONS,
              (ev.VolunteerRegistered,), ("api",), ("dispatch", "sink"),
              cleanup_policy="compact", doc="Latest registration per volunteer."),
    TopicSpec("volunteer-checkins", "volunteer_id", MATCH_PARTITIONS, (ev.VolunteerCheckIn,),
              ("api", "webhooks"), ("dispatch", "sink"), retention_ms=7 * DAY_MS,
              doc="Position, availability and capacity of volunteers."),
    TopicSpec("volunteer-vetting", "volunteer_id", MATCH_PARTITIONS, (ev.VolunteerVetted,), ("api",),
              ("dispatch", "sink"), cleanup_policy="compact",
              doc="A coordinator's latest vetting of each volunteer (verified, suspended)."),
    TopicSpec("volunteer-groups", "volunteer_id", MATCH_PARTITIONS, (ev.GroupMembership,), ("api",),
              ("dispatch", "sink"), cleanup_policy="compact",
              doc="Each volunteer's latest group membership (leader, member, none)."),
    TopicSpec("volunteer-replies", "volunteer_id", MATCH_PARTITIONS, (ev.VolunteerReply,),
              ("api", "webhooks"), ("dispatch", "sink"), doc="Accept/decline/done replies."),
    TopicSpec("coordinator-actions", "request_id", MATCH_PARTITIONS, (ev.CoordinatorAction,),
              ("api",), ("dispatch", "sink"), retention_ms=365 * DAY_MS,
              doc="Assignments and corrections by coordinators, with who did them."),
    TopicSpec("donations", "donation_id", 4, (ev.DonationEvent,), ("api", "payments"), ("ledger",),
              retention_ms=365 * DAY_MS, doc="Donation entries; the ledger writer chains them."),
    TopicSpec("dispatch-offers", "request_id", MATCH_PARTITIONS, (ev.DispatchOffer,),
              ("dispatch",), ("sink",), doc="Offer life cycle events."),
    TopicSpec("notifications", "notification_id", 4, (ev.Notification,),
              ("dispatch", "webhooks"), ("notifier", "sink"), doc="One event per message to send."),
    TopicSpec("situation-updates", "request_id", 4, (ev.SituationUpdate,),
              ("dispatch", "sink"), ("api-live",), retention_ms=3 * DAY_MS,
              doc="State changes for the live map."),
    TopicSpec("dead-letter", "source topic", 1, (ev.DeadLetter,), ("all consumers",),
              ("operators",), retention_ms=365 * DAY_MS,
              doc="Events no consumer could parse, with the reason."),
)

BY_NAME: dict[str, TopicSpec] = {t.name: t for t in TOPICS}


def register_topic(spec: TopicSpec) -> TopicSpec:
    """Internal topics of a subsystem (e.g. dispatch) join the registry at import time."""
    global TOPICS
    if spec.name not in BY_NAME:
        TOPICS = TOPICS + (spec,)
        BY_NAME[spec.name] = spec
    return spec


def all_topics() -> tuple[TopicSpec, ...]:
    # Importing the stream modules registers their internal topics.
    import streams.topics  # noqa: F401

    return TOPICS


def spec(name: str) -> TopicSpec:
    return BY_NAME[name]
