"""python -m siaga.services.gateway_local --host 127.0.0.1 --port 18090 --notify-base http://127.0.0.1:8000

The Midtrans server key, Xendit callback token and Xendit secret key default to
MIDTRANS_SERVER_KEY, XENDIT_CALLBACK_TOKEN and XENDIT_SECRET_KEY (the secret key falls back to
the callback token). --notify-base is where the API listens; defaults to API_URL.
"""
from __future__ import annotations

import argparse
import logging
import os

import uvicorn

from siaga.services.gateway_local.app import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m siaga.services.gateway_local",
                                     description="Local payment gateway simulator (Midtrans, Xendit)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18090)
    parser.add_argument("--notify-base", default=os.environ.get("API_URL"),
                        help="base URL of the Siaga API that receives the notifications")
    parser.add_argument("--server-key", default=os.environ.get("MIDTRANS_SERVER_KEY"))
    parser.add_argument("--callback-token", default=os.environ.get("XENDIT_CALLBACK_TOKEN"))
    parser.add_argument("--secret-key", default=os.environ.get("XENDIT_SECRET_KEY"),
                        help="Xendit API secret key (default: the callback token)")
    parser.add_argument("--retries", type=int, default=3,
                        help="resend a notification not answered 2xx this many times")
    parser.add_argument("--retry-delay", type=float, default=1.0,
                        help="seconds before the first resend; doubles each time")
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    if not args.notify_base:
        parser.error("--notify-base (or API_URL) is needed")
    if not args.server_key or not args.callback_token:
        parser.error("--server-key and --callback-token (or MIDTRANS_SERVER_KEY and "
                     "XENDIT_CALLBACK_TOKEN) are needed")
    if args.retries < 0 or args.retry_delay < 0:
        parser.error("--retries and --retry-delay cannot be negative")

    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = create_app(args.server_key, args.callback_token, args.secret_key or args.callback_token,
                     args.notify_base, retries=args.retries, retry_delay=args.retry_delay)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()
