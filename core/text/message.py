"""parse_help_message: everything Siaga reads from one help SMS/WhatsApp message."""
from __future__ import annotations

from dataclasses import dataclass

from siaga.core.text.counts import count_people
from siaga.core.text.crew import helpers_wanted
from siaga.core.text.language import guess_language
from siaga.core.text.needs import detect_needs
from siaga.core.text.normalize import tokenize
from siaga.core.text.places import extract_place_candidates
from siaga.core.text.urgency import detect_urgency
from siaga.core.text.vulnerable import detect_vulnerable
from siaga.schemas.common import Language, NeedCategory, Urgency, Vulnerable


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    needs: tuple[NeedCategory, ...]          # ordered by first mention; (other,) = unspecified plea
    negated_needs: tuple[NeedCategory, ...]  # mentioned only as not needed / already available
    people: int | None                       # head count (from KK x 4 when only KK is given)
    households: int | None                   # KK / keluarga / families
    people_estimated: bool                   # people was derived from households
    helpers: int | None                      # volunteers asked for ("perlu 5 orang"), if said
    vulnerable: tuple[Vulnerable, ...]       # ordered by first mention
    urgency: Urgency
    language: Language
    place_candidates: tuple[str, ...]        # text for the gazetteer, best first


def parse_help_message(text: str) -> ParsedMessage:
    """Read needs, head count, vulnerable groups, urgency, language and place text from a message."""
    tokens = tokenize(text)
    needs = detect_needs(tokens)
    counts = count_people(tokens)
    return ParsedMessage(
        needs=needs.needs,
        negated_needs=needs.negated,
        people=counts.people,
        households=counts.households,
        people_estimated=counts.estimated,
        helpers=helpers_wanted(tokens),
        vulnerable=detect_vulnerable(tokens),
        urgency=detect_urgency(tokens, needs.needs),
        language=guess_language(tokens),
        place_candidates=extract_place_candidates(tokens),
    )
