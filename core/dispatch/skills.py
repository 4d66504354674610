"""Which volunteer skills a need requires, and where it is safe to relax that.

The skill follows the most important need of a request (a volunteer bringing medical help can
bring water too, not the other way round). Medical and rescue are never relaxed: sending an
untrained person there is not help. Goods can be carried by anyone once trained logisticians
within the widest radius have all been tried."""
from __future__ import annotations

from siaga.core.dispatch.triage import top_need

STRICT: dict[str, frozenset[str]] = {
    "medical": frozenset({"medical"}),
    "rescue": frozenset({"rescue"}),
    "water": frozenset({"logistics"}),
    "food": frozenset({"logistics"}),
    "baby": frozenset({"logistics"}),
    "clothing": frozenset({"logistics"}),
    "sanitation": frozenset({"sanitation"}),
    "shelter": frozenset({"shelter"}),
    "power": frozenset({"power"}),
    "other": frozenset(),
}
NEVER_RELAX = frozenset({"medical", "rescue"})
# Not a skill a person lists: the desk adds it for a volunteer with a motorbike, car, pickup,
# truck or boat, so a delivery of goods can ask for someone who can carry them.
CARRIES = "vehicle"


def capabilities(skills: list[str], vehicle: str) -> list[str]:
    """What the matcher may ask of a volunteer: their skills, whether they can carry goods, and
    a boat if they bring one (an evacuation slot can ask for it)."""
    return sorted(set(skills) | ({CARRIES} if vehicle not in ("none", "") else set())
                  | ({"boat"} if vehicle == "boat" else set()))


def required_skills(needs: list[str], relaxed: bool = False) -> frozenset[str] | None:
    """Skills a candidate must have all of; None means no relaxed level exists for these needs."""
    need = top_need(needs)
    if relaxed:
        return None if need in NEVER_RELAX else frozenset()
    return STRICT.get(need, frozenset())


def search_levels(needs: list[str], radii_m: list[float],
                  required: list[str] | None = None) -> list[tuple[float, frozenset[str]]]:
    """Radius steps with strict skills, then (when safe) the widest radius with relaxed skills.
    A request that names its required skills (a delivery: a vehicle) is never relaxed."""
    if required:
        return [(r, frozenset(required)) for r in radii_m]
    levels = [(r, required_skills(needs)) for r in radii_m]
    relaxed = required_skills(needs, relaxed=True)
    if relaxed is not None and relaxed != levels[-1][1]:
        levels.append((radii_m[-1], relaxed))
    return levels
