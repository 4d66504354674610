"""Round six, needs (docs/messaging.md, "Round six"): flood water written in regional words or
around a river's name in lower case is no call for drinking water, and a name after "Kel." is not
"corrected" into a need word. Phrases written for these tests; each of the first four fails on
the code before the change, the last guards the supply reading."""
from __future__ import annotations

import pytest

from siaga.core.text import parse_help_message
from siaga.schemas.common import NeedCategory


def needs(text: str) -> set[NeedCategory]:
    return set(parse_help_message(text).needs)


@pytest.mark.parametrize("text", [
    "banyu martapura sudah naik sampai pinggang, kami perlu beras",    # a river named in lower case
    "aer deng lumpur masuk rumah, tolong kirim makanan",               # water and mud come in
    "banyu kada surut-surut, kami perlu makanan",                      # the flood does not go down
])
def test_flood_water_is_no_drinking_water(text: str) -> None:
    got = needs(text)
    assert NeedCategory.food in got and NeedCategory.water not in got, got


def test_a_name_after_kel_is_not_corrected_into_a_need():
    # "Lampa" is one letter from "lampu" (a lamp: power)
    assert NeedCategory.power not in needs("Kel. Lampa, Kec. Duampanua: 20 kk butuh beras")


@pytest.mark.parametrize("text", ["air bersih tidak ada, tolong", "banyu kada ada, kami perlu air minum"])
def test_water_that_is_missing_is_still_asked_for(text: str) -> None:
    assert NeedCategory.water in needs(text)
