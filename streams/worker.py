"""Start one Faust worker: python -m siaga.streams.worker --web-port 6066 --data-dir DIR"""
from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--web-port", type=int, default=6066)
    parser.add_argument("--data-dir", help="this worker's table files (FAUST_DATADIR)")
    parser.add_argument("--loglevel", default="info")
    args = parser.parse_args(argv)
    if args.data_dir:   # Settings reads it (infra/settings.py), before the app is built
        os.environ["FAUST_DATADIR"] = args.data_dir
    from siaga.streams.app import app

    sys.argv = ["siaga-worker", "worker", "--web-port", str(args.web_port), "--web-host",
                "127.0.0.1", "-l", args.loglevel]
    app.main()


if __name__ == "__main__":
    main()
