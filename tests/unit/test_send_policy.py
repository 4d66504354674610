"""core.send_policy: classification, backoff, segments, delivery status ordering."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.core.send_policy import (
    GSM7_BASIC,
    GSM7_EXTENDED,
    STATUS_RANK,
    Action,
    RetryPolicy,
    backoff_delay,
    classify,
    is_gsm7,
    is_terminal,
    mask_address,
    max_chars,
    next_status,
    segments,
)

# ---------------------------------------------------------------------------- classify


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (429, 20429, Action.retry),
        (429, None, Action.retry),
        (400, 20429, Action.retry),          # the code wins over a generic status
        (500, None, Action.retry),
        (500, 500, Action.retry),            # SDK sets code=status when the body has none
        (503, 20500, Action.retry),
        (None, None, Action.retry),          # no HTTP answer at all (refused, timeout)
        (400, 21211, Action.permanent),
        (400, 21614, Action.permanent),
        (500, 21211, Action.permanent),      # never retry an invalid number, whatever status
        (400, 21610, Action.opted_out),
        (429, 21610, Action.opted_out),
        (400, 63016, Action.fallback_sms),
        (400, 63003, Action.fallback_sms),
        (401, 20003, Action.permanent),
        (404, 20404, Action.permanent),
        (400, 21602, Action.permanent),
        (400, None, Action.permanent),
    ],
)
def test_classify(status: int | None, code: int | None, expected: Action) -> None:
    assert classify(status, code) is expected


@given(st.integers(min_value=500, max_value=599))
def test_every_5xx_without_a_known_code_is_retried(status: int) -> None:
    assert classify(status, None) is Action.retry
    assert classify(status, status) is Action.retry


@given(st.integers(min_value=400, max_value=499).filter(lambda s: s != 429))
def test_other_4xx_are_permanent(status: int) -> None:
    assert classify(status, None) is Action.permanent


# ---------------------------------------------------------------------------- backoff


@given(
    attempt=st.integers(min_value=0, max_value=200),
    base=st.floats(min_value=0, max_value=10, allow_nan=False),
    cap=st.floats(min_value=0, max_value=60, allow_nan=False),
    seed=st.integers(),
)
def test_backoff_is_within_full_jitter_bounds(attempt: int, base: float, cap: float,
                                              seed: int) -> None:
    delay = backoff_delay(attempt, base, cap, random.Random(seed))
    assert 0.0 <= delay <= min(cap, base * 2.0 ** min(attempt, 1000))


def test_backoff_ceiling_grows_then_caps() -> None:
    class Top(random.Random):
        def uniform(self, a: float, b: float) -> float:  # always the upper bound
            return b

    top = Top()
    assert [backoff_delay(n, 0.5, 4.0, top) for n in range(6)] == [0.5, 1, 2, 4, 4, 4]


def test_backoff_spreads_values() -> None:
    rng = random.Random(7)
    values = {round(backoff_delay(3, 1.0, 100.0, rng), 3) for _ in range(50)}
    assert len(values) > 40 and max(values) <= 8.0


def test_backoff_rejects_negative_attempt() -> None:
    with pytest.raises(ValueError):
        backoff_delay(-1, 1.0, 1.0)


def test_retry_policy_validates() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(base_delay=-1)


# ---------------------------------------------------------------------------- segments


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("", ("GSM-7", 1)),
        ("a" * 160, ("GSM-7", 1)),
        ("a" * 161, ("GSM-7", 2)),
        ("a" * 306, ("GSM-7", 2)),
        ("a" * 307, ("GSM-7", 3)),
        ("[" * 80, ("GSM-7", 1)),            # extension chars cost two septets: 160
        ("[" * 81, ("GSM-7", 2)),
        ("a" * 159 + "€", ("GSM-7", 2)),    # 161 septets
        ("é" * 160, ("GSM-7", 1)),          # é is in the GSM-7 basic table
        ("Halo \u2019", ("UCS-2", 1)),       # a curly quote makes it UCS-2
        ("x" * 70, ("GSM-7", 1)),
        ("\u2014" * 70, ("UCS-2", 1)),
        ("\u2014" * 71, ("UCS-2", 2)),
        ("\u2014" * 134, ("UCS-2", 2)),
        ("\u2014" * 135, ("UCS-2", 3)),
        ("\U0001F600" * 35, ("UCS-2", 1)),   # emoji: surrogate pairs, 70 units
        ("\U0001F600" * 36, ("UCS-2", 2)),
        ("a" + "\U0001F600" * 34, ("UCS-2", 1)),  # 69 units
        ("a" + "\U0001F600" * 35, ("UCS-2", 2)),  # 71 units
    ],
)
def test_segments_known_values(body: str, expected: tuple[str, int]) -> None:
    assert segments(body) == expected


def test_escape_pair_is_not_split_across_segments() -> None:
    # 152 plain + "[" (2 septets) = 154 > 153: the pair moves to the second segment.
    body = "a" * 152 + "[" + "a" * 152
    encoding, count = segments(body)
    assert encoding == "GSM-7"
    assert count == 3   # 152 | 2+151 | 1  (naive septets/153 would say 2)


@given(st.text(alphabet=sorted(GSM7_BASIC), max_size=1000))
def test_gsm_basic_text_segments_match_formula(body: str) -> None:
    encoding, count = segments(body)
    assert encoding == "GSM-7"
    expected = 1 if len(body) <= 160 else -(-len(body) // 153)
    assert count == expected


@given(st.text(min_size=1, max_size=400))
@settings(max_examples=300)
def test_segments_any_text(body: str) -> None:
    encoding, count = segments(body)
    assert encoding == ("GSM-7" if is_gsm7(body) else "UCS-2")
    capacity = max_chars(encoding, count)
    units = (sum(2 if c in GSM7_EXTENDED else 1 for c in body) if encoding == "GSM-7"
             else len(body.encode("utf-16-le")) // 2)
    # It fits in `count` segments (pieces never split can waste at most 1 unit each) ...
    assert units <= capacity
    # ... and not in one fewer.
    if count > 1:
        assert units > max_chars(encoding, count - 1) - (count - 1)


def test_no_overlap_between_gsm_tables() -> None:
    assert not (GSM7_BASIC & GSM7_EXTENDED)
    assert len(GSM7_BASIC) == 127   # 128 codes minus the escape


# ---------------------------------------------------------------------------- statuses


def test_status_moves_forward_only() -> None:
    assert next_status(None, "queued") == "queued"
    assert next_status("queued", "sent") == "sent"
    assert next_status("sent", "queued") == "sent"
    assert next_status("delivered", "sent") == "delivered"
    assert next_status("read", "delivered") == "read"


def test_failure_is_terminal_over_progress_but_not_over_receipts() -> None:
    assert next_status("sent", "failed") == "failed"
    assert next_status("failed", "sent") == "failed"          # late "sent" callback
    assert next_status("undelivered", "queued") == "undelivered"
    assert next_status("undelivered", "delivered") == "delivered"   # receipt wins
    assert next_status("failed", "read") == "read"
    assert next_status("delivered", "undelivered") == "delivered"
    assert next_status("failed", "undelivered") == "failed"   # equal rank: first kept


def test_unknown_statuses_are_ignored() -> None:
    assert next_status("sent", "exploded") == "sent"
    assert next_status("sent", None) == "sent"
    assert next_status("weird", "queued") == "queued"
    assert next_status(None, None) is None


def test_is_terminal() -> None:
    assert not is_terminal("sent") and not is_terminal(None)
    assert is_terminal("failed") and is_terminal("delivered") and is_terminal("read")


@given(st.lists(st.sampled_from(sorted(STATUS_RANK) + ["bogus"]), max_size=12))
def test_fold_of_callbacks_reaches_the_highest_rank(callbacks: list[str]) -> None:
    status: str | None = None
    ranks = []
    for new in callbacks:
        status = next_status(status, new)
        if status is not None:
            ranks.append(STATUS_RANK[status])
    assert ranks == sorted(ranks)   # never moves backwards
    known = [STATUS_RANK[c] for c in callbacks if c in STATUS_RANK]
    if known:
        assert status is not None and STATUS_RANK[status] == max(known)
    else:
        assert status is None


@given(st.permutations(["queued", "sending", "sent", "delivered", "read"]))
def test_out_of_order_callbacks_converge(order: list[str]) -> None:
    status: str | None = None
    for new in order:
        status = next_status(status, new)
    assert status == "read"


# ---------------------------------------------------------------------------- masking


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        # the same mask as mask_phone (one mask for every phone), with the channel kept
        ("+6281234567890", "+62812****7890"),
        ("whatsapp:+6281234567890", "whatsapp:+62812****7890"),
        ("+12", "****"),
        (None, "-"),
    ],
)
def test_mask_address(address: str | None, masked: str) -> None:
    assert mask_address(address) == masked
    if address and len(address) > 8:
        assert address.removeprefix("whatsapp:") not in mask_address(address)
