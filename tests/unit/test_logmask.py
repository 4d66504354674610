"""services/logmask.py: what any process logs has its phone numbers masked, in the message,
in a URL's query and in a traceback."""
from __future__ import annotations

import io
import logging

from services.logmask import FORMAT, MaskPhones


def _logged(emit) -> str:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(MaskPhones())
    log = logging.getLogger("test.logmask")
    log.addHandler(handler)
    log.propagate = False
    try:
        emit(log)
    finally:
        log.removeHandler(handler)
    return out.getvalue()


def test_numbers_in_messages_urls_and_tracebacks_are_masked():
    def emit(log):
        log.warning("send to %s failed", "+6281234567890")
        log.warning("url: /Messages.json?To=%2B6281306229791&PageSize=50")
        try:
            raise ValueError("no such number 081298765432")
        except ValueError:
            log.exception("while sending")
    text = _logged(emit)
    for number in ("6281234567890", "6281306229791", "081298765432"):
        assert number not in text
    # the message, the URL, and in the traceback the source line and the exception itself
    assert "while sending" in text and "ValueError" in text and text.count("****") == 4
