"""Round twenty-five, tuned on the dev files (tests/fixtures/README.md): each rule with a message
written for the test, failing on the code before it."""
from __future__ import annotations

import pytest

from siaga.core.text.locate import locate


@pytest.mark.parametrize("text, code", [
    # English puts the marker after the name: "Peusangan sub-district" marks Kec. Peusangan, so a
    # village of another kecamatan ("Matang", Samalanga) is not the place
    ("Evacuees at the Matang Glumpang Dua market, Peusangan sub-district, Bireuen regency. We need tents",
     "11.11.05"),
    ("Flood hit the Matang area, Peusangan district, Bireuen. Please send boats", "11.11.05"),
])
def test_places(text, code):
    found = locate(text)
    assert (found.status, found.admin_code) == ("resolved", code)


def test_a_marker_after_the_name_takes_no_word_after_it():
    # "Bireuen regency says": the marker closes the name before it; "says" starts nothing
    from siaga.core.text.normalize import tokenize
    from siaga.core.text.places import place_candidate_groups
    groups = place_candidate_groups(tokenize("The district office in Bireuen regency says 40 homes are flooded"))
    assert "Bireuen regency" in groups.marked
