"""python -m siaga.services.twilio_local --host 127.0.0.1 --port 18080 --account-sid AC... --auth-token ...

Account Sid and Token default to TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN.
"""
from __future__ import annotations

import argparse
import logging
import os

import uvicorn

from siaga.services.logmask import MaskPhones
from siaga.services.twilio_local.app import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m siaga.services.twilio_local",
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
    # Phone numbers in request lines (?To=%2B62..., ?to=+62...) are masked as in every other
    # process (services/logmask.py); on the loggers, since uvicorn gives them handlers of their own.
    for name in ("uvicorn.access", "uvicorn.error", "siaga.twilio_local"):
        logging.getLogger(name).addFilter(MaskPhones())

    app = create_app(args.account_sid, args.auth_token,
                     status_callbacks=args.status_callbacks,
                     callback_delay=args.callback_delay)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()
