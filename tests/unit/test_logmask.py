"""services/logmask.py: what any process logs has its phone numbers masked, in the message,
in a URL's query and in a traceback."""
from __future__ import annotations

import io
import logging

from siaga.services.logmask import FORMAT, MaskPhones


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


def test_a_masked_record_keeps_its_arguments_for_formatters_that_read_them():
    # uvicorn's access formatter unpacks record.args: masking must not replace them with None.
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5", "GET", "/_local/messages?to=%2B6281234567890", "1.1", 200), None)
    MaskPhones().filter(record)
    client, method, path, version, status = record.args
    assert path == "/_local/messages?to=+62812****7890" and status == 200
    assert "6281234567890" not in record.getMessage()
