"""How many volunteers a need takes. Said in the message or the form ("perlu 5 orang"), or set
later by a coordinator; otherwise from the category: an evacuation (rescue) of many people
takes more than one boat or car, one for each ten people up to four; any other need takes one.
More than four for a default would empty a village's roster on one report a coordinator never
saw: beyond that, a person says so."""
from __future__ import annotations

from math import ceil

from siaga.schemas.events import AidRequest

PEOPLE_PER_RESCUER = 10
DEFAULT_MAX = 4


def default_volunteers(needs: list[str], people: int) -> int:
    if "rescue" in needs:
        return min(max(ceil(people / PEOPLE_PER_RESCUER), 1), DEFAULT_MAX)
    return 1


BOAT_WORDS = frozenset({"perahu", "sampan", "kapal", "boat", "boats", "speedboat", "rakit", "raft"})


def slot_skills(req: AidRequest) -> list[list[str]] | None:
    """What each slot asks of its volunteer: as given, or for an evacuation that speaks of a
    boat ("perlu perahu"), a boat for the first slot (a volunteer with the skill or the boat)."""
    if req.slot_skills:
        return [list(dict.fromkeys(s)) for s in req.slot_skills]
    words = set(req.text.lower().replace(",", " ").replace(".", " ").split())
    if "rescue" in [n.value for n in req.needs] and words & BOAT_WORDS:
        return [["boat"]]
    return None


def volunteers_needed(req: AidRequest) -> int:
    if req.volunteers_needed:
        return req.volunteers_needed
    if req.required_skills:   # a delivery of goods: one driver
        return 1
    return default_volunteers([n.value for n in req.needs], req.people)
