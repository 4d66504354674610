"""One logging set-up for every process: phone numbers never reach a log line. Every record
(its message and its traceback) passes core.phone.mask_text, and the twilio SDK's request log
(which prints To=...) is kept quiet. The API, relay and notifier configure logging with it;
the Faust workers, which set up their own handlers, get the filter added to them at start."""
from __future__ import annotations

import logging

from siaga.core.phone import mask_text

FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"


class MaskPhones(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler
            return True
        masked = mask_text(text)
        if masked != text:
            record.msg, record.args = _masked_parts(record, masked)
        if record.exc_info and not record.exc_text:   # a traceback can quote a URL or a value
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
        return True


def _masked_parts(record: logging.LogRecord, masked: str) -> tuple:
    """The record's format and arguments with the numbers masked in each, when that gives the
    same line as masking the whole of it: formatters that read the arguments (uvicorn's access
    log unpacks them) keep working. Otherwise the masked line, without arguments."""
    if isinstance(record.args, tuple) and record.args:
        args = tuple(mask_text(a) if isinstance(a, str) else a for a in record.args)
        msg = mask_text(str(record.msg))
        try:
            if msg % args == masked:
                return msg, args
        except (TypeError, ValueError):
            pass
    return masked, None


def install() -> None:
    """Add the filter to every handler of the root logger (once each)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskPhones) for f in handler.filters):
            handler.addFilter(MaskPhones())
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)


def configure(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format=FORMAT)
    install()
