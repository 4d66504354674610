"""The stages of the pipeline, declared once: what each reads and writes, the state it keeps
and by which key, and the function that decides. The Faust agents are built from this list
(streams/), the dispatch simulator routes by it (tests/dispatch_sim.py), and
`python -m siaga topology` draws it (siaga/topology.py; the docs show that drawing).
Names only (no imports of the handlers): the list stays importable without Faust or a
database; tests/unit/test_stages.py checks that every handler named here exists."""
from __future__ import annotations

from dataclasses import dataclass

from siaga.schemas.topics import INTERNAL, Table, Topic, spec


@dataclass(frozen=True)
class Stage:
    name: str
    process: str                      # the program it runs in: worker (Faust), relay, notifier
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]          # its clock's (tick, sweep) included
    handler: str                      # "module:qualname" of the function that decides
    tables: tuple[str, ...] = ()      # state kept in Faust tables (changelogged)
    key: str = ""                     # the field of a message its state is kept by
    agent: str = ""                   # the Faust agent's name, or a plain consumer's group
    doc: str = ""

    def event_types(self) -> tuple[type, ...]:
        """What may arrive on the stage's public inputs (anything else is dead-lettered)."""
        internal = {t.name for t in INTERNAL}
        return tuple(v for t in self.inputs if t not in internal for v in spec(t).values)


# Everything the edges accept goes through the outbox (services/outbox.py) to these topics.
OUTBOX_TOPICS = (
    Topic.AID_REQUESTS, Topic.VOLUNTEER_REGISTRATIONS, Topic.VOLUNTEER_CHECKINS, Topic.VOLUNTEER_VETTING,
    Topic.VOLUNTEER_GROUPS, Topic.VOLUNTEER_REPLIES, Topic.COORDINATOR_ACTIONS, Topic.DONATIONS,
    Topic.NOTIFICATIONS, Topic.SITUATION_UPDATES,
)

RELAY = Stage(
    "relay", "relay", (), OUTBOX_TOPICS, "siaga.services.relay:relay_batch",
    doc="Publishes committed outbox rows (API, webhooks, payments, the notifier's fallbacks, the "
        "supply round) and marks them published.")

ROUTER = Stage(
    "router", "worker", (Topic.AID_REQUESTS, Topic.COORDINATOR_ACTIONS, Topic.DISPATCH_ROUTE),
    (Topic.DISPATCH_MATCH, Topic.SITUATION_UPDATES, Topic.DISPATCH_ROUTE, Topic.DEAD_LETTER),
    "core.dispatch.router:Router.handle",
    tables=(Table.ROUTES,), key="request_id", agent="siaga.dispatch.router",
    doc="Sends each request to the matcher of its region until that matcher acknowledges it; "
        "its sweep resends what was not acknowledged.")

DESK = Stage(
    "desk", "worker",
    (Topic.VOLUNTEER_REGISTRATIONS, Topic.VOLUNTEER_CHECKINS, Topic.VOLUNTEER_REPLIES, Topic.VOLUNTEER_VETTING,
     Topic.VOLUNTEER_GROUPS, Topic.DISPATCH_VOLUNTEER),
    (Topic.DISPATCH_MATCH, Topic.DISPATCH_OFFERS, Topic.NOTIFICATIONS, Topic.SITUATION_UPDATES,
     Topic.DISPATCH_VOLUNTEER, Topic.DEAD_LETTER),
    "core.dispatch.desk:Desk.handle", tables=(Table.DESKS,), key="volunteer_id", agent="siaga.dispatch.desk",
    doc="The single writer of each volunteer: grants or refuses reservations (no double booking) "
        "and owns the offer's life cycle; its sweep checks holds nobody spoke about.")

MATCHER = Stage(
    "matcher", "worker", (Topic.DISPATCH_MATCH,),
    (Topic.DISPATCH_MATCH, Topic.DISPATCH_VOLUNTEER, Topic.DISPATCH_ROUTE, Topic.NOTIFICATIONS,
     Topic.SITUATION_UPDATES, Topic.DEAD_LETTER),
    "core.dispatch.matcher:Matcher.handle", tables=(Table.REQUESTS, Table.VOLUNTEERS), key="partition",
    agent="siaga.dispatch.matcher",
    doc="One per region (partition): picks volunteers for the requests of its cells; a 1 s tick on "
        "its own topic moves offers to expiry and waiting requests to another try.")

SINK = Stage(
    "sink", "worker",
    (Topic.AID_REQUESTS, Topic.VOLUNTEER_REGISTRATIONS, Topic.VOLUNTEER_CHECKINS, Topic.VOLUNTEER_VETTING,
     Topic.VOLUNTEER_GROUPS, Topic.DISPATCH_OFFERS, Topic.SITUATION_UPDATES, Topic.COORDINATOR_ACTIONS,
     Topic.DEAD_LETTER),
    (Topic.DEAD_LETTER,), "siaga.services.store:save_batch", key="event_id", agent="siaga.sink",
    doc="Writes every record event to PostGIS (idempotent upserts), one agent per topic "
        "(siaga.sink.<topic>).")

LEDGER = Stage(
    "ledger", "worker", (Topic.DONATIONS,), (Topic.NOTIFICATIONS, Topic.SITUATION_UPDATES, Topic.DEAD_LETTER),
    "siaga.services.ledger.store:append", key="donation_id", agent="siaga.ledger",
    doc="The only writer of the public donation chain; receipts, campaign totals, signed checkpoints.")

NOTIFIER = Stage(
    "notifier", "notifier", (Topic.NOTIFICATIONS,), (Topic.DEAD_LETTER,),
    "services.notifier.deliver:Deliverer.deliver", key="notification_id", agent="siaga-notifier",
    doc="Sends each message once through Twilio (SMS, WhatsApp); fallbacks go back through the outbox.")

# The dispatch stages keep their state in tables, one step per message: handle(state, msg, now).
DISPATCH: tuple[Stage, ...] = (ROUTER, DESK, MATCHER)
STAGES: tuple[Stage, ...] = (RELAY, ROUTER, DESK, MATCHER, SINK, LEDGER, NOTIFIER)


def readers(topic: str) -> tuple[Stage, ...]:
    return tuple(s for s in STAGES if topic in s.inputs)


def writers(topic: str) -> tuple[Stage, ...]:
    return tuple(s for s in STAGES if topic in s.outputs)
