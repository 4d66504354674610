"""Internal topics of the stream processors (registered next to the public ones)."""
from __future__ import annotations

from schemas import dispatch as dm
from schemas.topics import DAY_MS, MATCH_PARTITIONS, TopicSpec, register_topic

register_topic(TopicSpec(
    "dispatch-match", "explicit partition = geographic region (H3 res 4 cell hash)",
    MATCH_PARTITIONS,
    (dm.MNewRequest, dm.MVolunteer, dm.MReservation, dm.MOfferUpdate, dm.MTick, dm.MAction,
     dm.MShadow, dm.MJoin, dm.MJoined),
    ("dispatch router", "volunteer desk", "tick timer", "matcher"), ("matcher",), retention_ms=7 * DAY_MS,
    doc="Everything the matcher of a region must see, in order."))
register_topic(TopicSpec(
    "dispatch-volunteer", "volunteer_id", MATCH_PARTITIONS, (dm.VReserve, dm.VRelease, dm.VConfirm, dm.VCheck),
    ("matcher", "desk sweep"), ("volunteer desk",), retention_ms=7 * DAY_MS,
    doc="Reservations and releases for the single writer of each volunteer."))
register_topic(TopicSpec(
    "dispatch-route", "request_id", MATCH_PARTITIONS, (dm.RRouted, dm.RResend), ("matcher", "router sweep"),
    ("dispatch router",), retention_ms=7 * DAY_MS,
    doc="The matcher's receipt for each request the router sent it, and the sweep's reminders."))


# The changelog topics of the dispatch tables (streams/dispatch.py), created with everything
# else before any worker starts. Left to Faust, two workers starting on an empty broker
# declared them while they consumed: a worker's metadata could then hold a changelog with no
# partitions yet, and Faust refused every table write (PartitionsMismatch) until its metadata
# refreshed minutes later, dead-lettering dispatch messages meanwhile.
APP_ID = "siaga"
TABLES = ("dispatch-routes", "dispatch-desks", "dispatch-requests", "dispatch-volunteers")


def changelog_topic(table: str) -> str:
    return f"{APP_ID}-{table}-changelog"


for _table in TABLES:
    register_topic(TopicSpec(
        changelog_topic(_table), "table key", MATCH_PARTITIONS, (), ("faust table",), ("faust recovery",),
        cleanup_policy="compact", doc=f"Changelog of the {_table} table."))
