"""bench/webhook_eval.py: what came through the running stack's webhook, against the labels.

The sending and the reading back need the running stack (`make run`); the tally is pure and
tested here on rows shaped as the `requests` table gives them."""
from __future__ import annotations

from bench.webhook_eval import report, tally
from siaga.core.text.gazetteer import point_of

BUKI = "73.01.11.2001"   # Desa Buki, Kepulauan Selayar


def _rec(ident, needs, code=None, tags=()):
    return {"id": ident, "text": "", "needs": needs, "place": {"code": code} if code else {"status": "missing"},
            "tags": list(tags)}


def test_tally_counts_needs_requests_and_places():
    lat, lon = point_of(BUKI)
    records = [
        _rec("a", ["medical", "rescue"], BUKI, ["parent_named"]),   # a request, placed at its village
        _rec("b", ["food"], BUKI, ["parent_named"]),                # a request placed 1,000+ km away, confidently
        _rec("c", []),                                                  # an offer that became a request
        _rec("d", ["water"]),                                           # a request that became none
        _rec("e", []),                                                  # thanks, nothing stored: right
    ]
    rows = {
        "p1": [(["medical"], BUKI, lat, lon, "high")],
        "p2": [(["food", "water"], "31.71.01", -6.17, 106.83, "high")],
        "p3": [(["other"], None, None, None, None)],
    }
    t = tally(records, rows, ["p1", "p2", "p3", "p4", "p5"], "x.jsonl")
    assert (t.req_tp, t.req_fp, t.req_fn) == (2, 2, 2)     # medical, food; water and other; rescue, water
    assert (t.requests, t.lost_requests, t.non_requests, t.false_requests) == (3, 1, 2, 1)
    assert (t.coded_total, t.place_reach, t.wrong_far, t.parent_total, t.parent_wrong_far) == (2, 1, 1, 2, 1)
    assert (t.false_ids, t.lost_ids, t.wrong_far_ids) == (["c"], ["d"], ["b"])
    text = report(t)
    assert "0.500" in text and "1/2" in text and "wrong: b" in text


def test_a_low_confidence_place_far_off_is_not_a_confident_mistake():
    lat, lon = point_of(BUKI)
    t = tally([_rec("a", ["food"], BUKI)], {"p": [(["food"], "31.71.01", -6.17, 106.83, "low")]}, ["p"])
    assert (t.coded_total, t.place_reach, t.wrong_far) == (1, 0, 0)
