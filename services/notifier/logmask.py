"""Phone numbers never reach the notifier's logs: every record passes core.phone.mask_text,
and the twilio SDK's request log (which prints To=...) is kept quiet."""
from __future__ import annotations

import logging

from core.phone import mask_text


class MaskPhones(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler
            return True
        masked = mask_text(text)
        if masked != text:
            record.msg, record.args = masked, None
        return True


def configure(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(MaskPhones())
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
