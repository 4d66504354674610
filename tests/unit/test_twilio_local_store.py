"""The local Twilio server's in-memory store stays bounded on a long run (issue 14, soak)."""
from __future__ import annotations

from siaga.services.twilio_local import state


def test_the_store_keeps_only_the_newest_records(monkeypatch):
    monkeypatch.setattr(state, "KEEP", 5)
    store = state.Store(account_sid="AC" + "0" * 32)
    for i in range(12):
        store.add_message({"sid": f"SM{i:032d}", "to": "+6281200000001", "status": "queued"})
    assert [m["sid"] for m in store.list_messages()] == [f"SM{i:032d}" for i in range(7, 12)]
    assert store.update_status(f"SM{0:032d}", "sent") is None        # forgotten, not an error
    assert store.update_status(f"SM{11:032d}", "sent")["status"] == "sent"


def test_attempts_and_webhooks_are_bounded_too():
    store = state.Store(account_sid="AC" + "0" * 32)
    assert store.attempts.maxlen == state.KEEP and store.webhooks.maxlen == state.KEEP
    for i in range(state.KEEP + 3):
        store.record_attempt("+6281200000001", None, 201, None, f"SM{i}")
    assert len(store.attempts) == state.KEEP and store.attempts[0]["sid"] == "SM3"
