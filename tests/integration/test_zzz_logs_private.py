"""After the whole suite (this module runs last among the stack's tests): no log file of any
process of the stack holds a phone number or a request's text that the suite put through it
(issue 14 item 6). The numbers and texts are the database's own: every requester, volunteer
and message recipient of this run, every free text of a request."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_webhooks_support import stack  # noqa: E402,F401

from siaga.infra.settings import RUNTIME_DIR  # noqa: E402

pytestmark = pytest.mark.integration
DIGITS = re.compile(r"\+?\d[\d\- ]{7,18}\d")
MIN_TEXT = 20   # shorter texts ("butuh air") are ordinary words that logs may hold for other reasons


def _numbers(text: str) -> set[str]:
    """Every digit run in E.164 form, as Indonesian numbers are written either way."""
    out = set()
    for m in DIGITS.finditer(text.replace("%2B", "+").replace("%2b", "+")):
        d = re.sub(r"\D", "", m.group())
        out.add("+" + d)
        if d.startswith("0"):
            out.add("+62" + d[1:])
    return out


def test_no_log_line_of_any_process_holds_a_phone_number_or_a_request_text(stack):
    logs = sorted((RUNTIME_DIR / "logs").glob("*.log"))
    assert len(logs) >= 5, f"the stack's process logs: {logs}"
    with stack.db() as conn:
        phones = {r[0].removeprefix("whatsapp:") for r in conn.execute(
            "SELECT contact_phone FROM requests WHERE contact_phone IS NOT NULL UNION "
            "SELECT phone FROM volunteers UNION SELECT to_phone FROM notifications")}
        texts = [r[0] for r in conn.execute(
            "SELECT DISTINCT text FROM requests WHERE length(text) >= %s", (MIN_TEXT,))]
    assert len(phones) > 100 and texts, "the suite put people and texts through the stack"
    leaks = []
    for log in logs:
        data = log.read_text(errors="replace")
        numbers = _numbers(data) & phones
        leaks += [f"{log.name}: phone {p[:6]}…" for p in sorted(numbers)[:3]]
        leaks += [f"{log.name}: text {t[:30]!r}…" for t in texts if t in data][:3]
    assert not leaks, leaks
