"""bench/webhook_eval.py and bench/webhook_reports.py send each message from a phone of its own:
the block of numbers a run takes must be one no earlier run used on that stack's record, or the
earlier run's requests (and conversations waiting for a reply) are counted as this run's."""
from __future__ import annotations

import secrets
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench.webhook_reports import fresh_batch  # noqa: E402
from test_map_support import stack  # noqa: E402,F401

pytestmark = pytest.mark.integration


def test_a_run_takes_a_block_of_numbers_no_earlier_run_used(stack):
    prefix = "+6281" + str(secrets.randbelow(10**4)).zfill(4)   # this test's own numbers
    with stack.db() as conn:
        for block in range(10, 99):   # every block but 99 used before
            conn.execute("INSERT INTO inbound_messages (message_sid, channel, phone, outcome) "
                         "VALUES (%s, 'sms', %s, 'request')",
                         (f"SMtest{prefix}{block}", f"{prefix}{block:02d}00000"))
        conn.commit()
    assert fresh_batch(stack.env, prefix) == 99
