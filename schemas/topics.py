"""The one registry of topics: every topic name, table name and topic setting is declared here
and nowhere else. Code names a topic only through `Topic` (tests/unit/test_topic_literals.py
greps the rest of the source for the literals); infra/topics.py creates them all before first
use (the brokers do not auto-create topics). Which stage reads and writes which topic is
declared once in schemas/stages.py. Replication factor and min.insync.replicas are deployment
settings (KAFKA_REPLICATION_FACTOR, KAFKA_MIN_INSYNC_REPLICAS), applied by infra/topics.py."""
from __future__ import annotations

from dataclasses import dataclass, field

from siaga.schemas import dispatch as dm
from siaga.schemas import events as ev

DAY_MS = 24 * 3600 * 1000
# Topics that one Faust agent joins with a table must have the same partition count.
MATCH_PARTITIONS = 8
# The Faust application id: it prefixes the changelog topics of the tables.
APP_ID = "siaga"


class Topic:
    """Topic names. Plain strings (not an Enum), so they pass unchanged to Kafka clients,
    SQL parameters and JSON."""
    # Public: written through the outbox by the edges (API, webhooks, payments).
    AID_REQUESTS = "aid-requests"
    VOLUNTEER_REGISTRATIONS = "volunteer-registrations"
    VOLUNTEER_CHECKINS = "volunteer-checkins"
    VOLUNTEER_VETTING = "volunteer-vetting"
    VOLUNTEER_GROUPS = "volunteer-groups"
    VOLUNTEER_REPLIES = "volunteer-replies"
    COORDINATOR_ACTIONS = "coordinator-actions"
    DONATIONS = "donations"
    DISPATCH_OFFERS = "dispatch-offers"
    NOTIFICATIONS = "notifications"
    SITUATION_UPDATES = "situation-updates"
    DEAD_LETTER = "dead-letter"
    # Internal to the dispatch stages (schemas/dispatch.py).
    DISPATCH_MATCH = "dispatch-match"
    DISPATCH_VOLUNTEER = "dispatch-volunteer"
    DISPATCH_ROUTE = "dispatch-route"


class Table:
    """The Faust tables of the dispatch stages; each has a compacted changelog topic."""
    ROUTES = "dispatch-routes"
    DESKS = "dispatch-desks"
    REQUESTS = "dispatch-requests"
    VOLUNTEERS = "dispatch-volunteers"   # volunteer snapshots and request shadows per partition


TABLES = (Table.ROUTES, Table.DESKS, Table.REQUESTS, Table.VOLUNTEERS)


def changelog_topic(table: str) -> str:
    return f"{APP_ID}-{table}-changelog"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    key: str
    partitions: int
    values: tuple[type, ...]
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


P = MATCH_PARTITIONS
PUBLIC: tuple[TopicSpec, ...] = (
    TopicSpec(Topic.AID_REQUESTS, "request_id", P, (ev.AidRequest, ev.AidRequestLocated),
              doc="Accepted aid requests."),
    TopicSpec(Topic.VOLUNTEER_REGISTRATIONS, "volunteer_id", P, (ev.VolunteerRegistered,),
              cleanup_policy="compact", doc="Latest registration per volunteer."),
    TopicSpec(Topic.VOLUNTEER_CHECKINS, "volunteer_id", P, (ev.VolunteerCheckIn,), retention_ms=7 * DAY_MS,
              doc="Position, availability and capacity of volunteers."),
    TopicSpec(Topic.VOLUNTEER_VETTING, "volunteer_id", P, (ev.VolunteerVetted,), cleanup_policy="compact",
              doc="A coordinator's latest vetting of each volunteer (verified, suspended)."),
    TopicSpec(Topic.VOLUNTEER_GROUPS, "volunteer_id", P, (ev.GroupMembership,), cleanup_policy="compact",
              doc="Each volunteer's latest group membership (leader, member, none)."),
    TopicSpec(Topic.VOLUNTEER_REPLIES, "volunteer_id", P, (ev.VolunteerReply,),
              doc="Accept/decline/done replies."),
    TopicSpec(Topic.COORDINATOR_ACTIONS, "request_id", P, (ev.CoordinatorAction,), retention_ms=365 * DAY_MS,
              doc="Assignments and corrections by coordinators, with who did them."),
    TopicSpec(Topic.DONATIONS, "donation_id", 4, (ev.DonationEvent,), retention_ms=365 * DAY_MS,
              doc="Donation entries; the ledger writer chains them."),
    TopicSpec(Topic.DISPATCH_OFFERS, "request_id", P, (ev.DispatchOffer,), doc="Offer life cycle events."),
    TopicSpec(Topic.NOTIFICATIONS, "notification_id", 4, (ev.Notification,),
              doc="One event per message to send."),
    TopicSpec(Topic.SITUATION_UPDATES, "request_id", 4, (ev.SituationUpdate,), retention_ms=3 * DAY_MS,
              doc="State changes for the live map."),
    TopicSpec(Topic.DEAD_LETTER, "source topic", 1, (ev.DeadLetter,), retention_ms=365 * DAY_MS,
              doc="Events no consumer could parse, with the reason."),
)

INTERNAL: tuple[TopicSpec, ...] = (
    TopicSpec(Topic.DISPATCH_MATCH, "explicit partition = geographic region (H3 res 4 cell hash)", P,
              (dm.MNewRequest, dm.MVolunteer, dm.MReservation, dm.MOfferUpdate, dm.MTick, dm.MAction,
               dm.MShadow, dm.MJoin, dm.MJoined), retention_ms=7 * DAY_MS,
              doc="Everything the matcher of a region must see, in order."),
    TopicSpec(Topic.DISPATCH_VOLUNTEER, "volunteer_id", P, (dm.VReserve, dm.VRelease, dm.VConfirm, dm.VCheck),
              retention_ms=7 * DAY_MS, doc="Reservations and releases for the single writer of each volunteer."),
    TopicSpec(Topic.DISPATCH_ROUTE, "request_id", P, (dm.RRouted, dm.RResend, dm.RForget), retention_ms=7 * DAY_MS,
              doc="The matcher's receipt for each request the router sent it, and the sweep's reminders."),
)

# The changelog topics of the dispatch tables, created with everything else before any worker
# starts. Left to Faust, two workers starting on an empty broker declared them while they
# consumed: a worker's metadata could then hold a changelog with no partitions yet, and Faust
# refused every table write (PartitionsMismatch) until its metadata refreshed minutes later,
# dead-lettering dispatch messages meanwhile.
CHANGELOGS: tuple[TopicSpec, ...] = tuple(
    TopicSpec(changelog_topic(t), "table key", P, (), cleanup_policy="compact", doc=f"Changelog of the {t} table.")
    for t in TABLES)

TOPICS: tuple[TopicSpec, ...] = PUBLIC + INTERNAL + CHANGELOGS
BY_NAME: dict[str, TopicSpec] = {t.name: t for t in TOPICS}


def all_topics() -> tuple[TopicSpec, ...]:
    return TOPICS


def spec(name: str) -> TopicSpec:
    return BY_NAME[name]
