"""Intent accuracy over labelled fixtures (tests/fixtures/intents_*.jsonl).

Order of writing: intents_holdout.jsonl (60 messages) was written FIRST, before
core/text/intent.py existed; intents_dev.jsonl (120) was written next and is the tuning set.
The rules were never changed because of a holdout failure. Both sets were written by the same
author as the rules, from public reports of real Indonesian disasters, so the holdout figure
is an optimistic estimate for messages from real senders.
Each line: {"id", "text", "intent", "needs" (requests only), "tags"}.

Measured when written (2026-11, see bench/eval_text.py): dev 0/60 non-requests taken as
requests, 60/60 requests kept; holdout 0/30 and 30/30. The holdout bounds are set a little
below that (one miss of 30 non-requests, three of 30 requests); a failure there calls for
new holdout messages and an honest new figure, not rule changes.
Run with -s to see the failures.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from siaga.core.text import parse_help_message
from siaga.core.text.intent import INTENTS, classify_intent
from siaga.core.text.normalize import tokenize

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
KINDS = {"request", "offer", "information", "question", "status"}


def load(name: str) -> list[dict[str, Any]]:
    path = FIXTURES / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@lru_cache(maxsize=None)
def results(name: str) -> list[tuple[dict[str, Any], str]]:
    out = []
    for rec in load(name):
        out.append((rec, classify_intent(tokenize(rec["text"]), parse_help_message(rec["text"])).intent))
    return out


def false_request_rate(name: str) -> tuple[float, list[str]]:
    rows = [(r, got) for r, got in results(name) if r["intent"] != "request"]
    bad = [f"{r['id']} ({r['intent']}): {r['text']}" for r, got in rows if got == "request"]
    return len(bad) / len(rows), bad


def kept_request_rate(name: str) -> tuple[float, list[str]]:
    rows = [(r, got) for r, got in results(name) if r["intent"] == "request"]
    lost = [f"{r['id']} -> {got}: {r['text']}" for r, got in rows if got != "request"]
    return 1 - len(lost) / len(rows), lost


@pytest.mark.parametrize("name,minimum", [("intents_dev.jsonl", 120), ("intents_holdout.jsonl", 60),
                                          ("intents2_dev.jsonl", 80)])
def test_fixture_is_large_mixed_and_well_formed(name: str, minimum: int) -> None:
    records = load(name)
    assert len(records) >= minimum
    assert len({r["id"] for r in records}) == len(records)
    kinds = {r["intent"] for r in records}
    assert kinds <= KINDS and {"request", "offer", "information", "question"} <= kinds
    requests = sum(r["intent"] == "request" for r in records)
    assert 0.4 <= requests / len(records) <= 0.6
    for r in records:
        assert set(r) == {"id", "text", "intent", "needs", "tags"}, r["id"]
        assert bool(r["needs"]) == (r["intent"] == "request"), r["id"]


def test_intents_are_the_documented_ones() -> None:
    assert set(INTENTS) == KINDS


def test_dev_non_requests_taken_as_requests_at_most_one_in_15() -> None:
    rate, bad = false_request_rate("intents_dev.jsonl")
    assert rate <= 1 / 15, "\n".join(bad)


def test_holdout_non_requests_taken_as_requests_at_most_one_in_30() -> None:
    # Measured 0/30 when first run; bound: one miss (see the module docstring).
    rate, bad = false_request_rate("intents_holdout.jsonl")
    assert rate <= 1 / 30, "\n".join(bad)


def test_dev_requests_kept() -> None:
    rate, lost = kept_request_rate("intents_dev.jsonl")
    assert rate >= 0.95, "\n".join(lost)


def test_holdout_requests_kept() -> None:
    # Measured 30/30; losing a request is the costly error, bound 90%.
    rate, lost = kept_request_rate("intents_holdout.jsonl")
    assert rate >= 0.90, "\n".join(lost)


def test_dev_intent_accuracy() -> None:
    wrong = [f"{r['id']} {r['intent']} -> {got}: {r['text']}"
             for r, got in results("intents_dev.jsonl") if got != r["intent"]]
    assert len(wrong) <= 6, "\n".join(wrong)      # 95%; measured 120/120


def test_print_failures() -> None:
    """Not a check: prints every wrong intent (visible with -s)."""
    for name in ("intents_dev.jsonl", "intents_holdout.jsonl"):
        for r, got in results(name):
            if got != r["intent"]:
                print(f"{name} {r['id']} {r['intent']} -> {got}: {r['text']}")
