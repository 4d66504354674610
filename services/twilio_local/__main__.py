"""python -m services.twilio_local --host 127.0.0.1 --port 18080 --account-sid AC... --auth-token ...

Account Sid and Token default to TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN.
"""
from __future__ import annotations

import argparse
import logging
import os
import re

import uvicorn

from core.send_policy import mask_address
from services.twilio_local.app import create_app

# Phone numbers in request lines (?To=%2B62..., ?to=+62...): mask before they reach stdout.
# Digit runs inside ids (SM + hex) are left alone: a number must stand on its own.
_NUMBER = re.compile(r"(?:%2B|\+|(?<![0-9A-Za-z]))\d{7,15}(?![0-9A-Za-z])")


class MaskNumbers(logging.Filter):
    """Masks phone-number-like digit runs in log records (uvicorn's access log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(_NUMBER.sub(lambda m: mask_address(m.group(0)), a)
                                if isinstance(a, str) else a for a in args)
        record.msg = _NUMBER.sub(lambda m: mask_address(m.group(0)), str(record.msg))
        return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.twilio_local",
                                     description="Local Twilio-compatible Messages API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18080)
    parser.add_argument("--account-sid", default=os.environ.get("TWILIO_ACCOUNT_SID"))
    parser.add_argument("--auth-token", default=os.environ.get("TWILIO_AUTH_TOKEN"))
    parser.add_argument("--status-callbacks", action="store_true",
                        help="post sent/delivered to each message's StatusCallback")
    parser.add_argument("--callback-delay", type=float, default=0.2)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    if not args.account_sid or not args.auth_token:
        parser.error("--account-sid and --auth-token (or TWILIO_ACCOUNT_SID/TOKEN) are needed")

    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for name in ("uvicorn.access", "uvicorn.error", "siaga.twilio_local"):
        logging.getLogger(name).addFilter(MaskNumbers())

    app = create_app(args.account_sid, args.auth_token,
                     status_callbacks=args.status_callbacks,
                     callback_delay=args.callback_delay)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()
