"""The `siaga` command (also `python -m siaga`):

    siaga api | worker | relay | notifier     the processes of a deployment (infra/deploy/README.md)
    siaga prepare | create-admin              migrations and topics; a coordinator account
    siaga topology                            stages and topics as declared (siaga/topology.py)
    siaga understand TEXT                     what Siaga reads from a message (siaga/understand.py)
    siaga verify-ledger URL [--key VKEY] [--previous FILE] [--timeout S]

verify-ledger downloads the public donation ledger and checks it with core.ledger.verify:
fetch_ledger() is the only part that does I/O; check_served() is pure so tests feed it data.
Exit codes: 0 no problems, 1 problems found, 2 the server could not be reached or understood.
"""
from __future__ import annotations

import argparse
import base64
import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

import httpx

from siaga.core.ledger.checkpoint import CheckpointError, parse_verifier_key
from siaga.core.ledger.verify import Report, verify_ledger
from siaga import topology

PAGE_LIMIT = 1000
MAX_PAGES = 100_000  # a server whose "next" never ends should not hang the verifier


class FetchError(Exception):
    """The ledger could not be downloaded or was not in the expected shape."""


@dataclass
class Served:
    origin: str
    verifier_key: str | None        # None: the server has no key yet
    size: int
    latest_checkpoint: str | None   # None: nothing signed yet
    entries: list[dict]
    checkpoints: list[str]


def _get(client: httpx.Client, path: str, params: dict[str, Any] | None = None) -> dict:
    try:
        resp = client.get(path, params=params)
        resp.raise_for_status()
        data = resp.json()
    except httpx.HTTPStatusError as exc:
        raise FetchError(f"{exc.request.url}: HTTP {exc.response.status_code}") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"cannot reach {client.base_url}{path}: {exc or type(exc).__name__}") from None
    except ValueError:
        raise FetchError(f"{client.base_url}{path}: the response is not JSON") from None
    if not isinstance(data, dict):
        raise FetchError(f"{client.base_url}{path}: expected a JSON object")
    return data


def _field(data: dict, key: str, kind: type, where: str, optional: bool = False) -> Any:
    value = data.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise FetchError(f"{where}: field {key!r} is missing or not {kind.__name__}")
    return value


def fetch_ledger(url: str, timeout: float = 30.0, *, transport: httpx.BaseTransport | None = None) -> Served:
    """Download the ledger summary, every entry (paged) and every checkpoint."""
    with httpx.Client(base_url=url.rstrip("/"), timeout=timeout, transport=transport) as client:
        info = _get(client, "/api/v1/ledger")
        where = "/api/v1/ledger"
        origin = _field(info, "origin", str, where)
        vkey = _field(info, "verifier_key", str, where, optional=True)
        size = _field(info, "size", int, where)
        latest = _field(info, "latest_checkpoint", str, where, optional=True)

        entries: list[dict] = []
        start = 0
        for _ in range(MAX_PAGES):
            page = _get(client, "/api/v1/ledger/entries", {"start": start, "limit": PAGE_LIMIT})
            entries.extend(_field(page, "entries", list, "/api/v1/ledger/entries"))
            nxt = page.get("next")
            if nxt is None:
                break
            if not isinstance(nxt, int) or isinstance(nxt, bool) or nxt <= start:
                raise FetchError(f"/api/v1/ledger/entries: 'next' {nxt!r} does not move past start={start}")
            start = nxt
        else:
            raise FetchError("/api/v1/ledger/entries: too many pages")

        cps = _field(_get(client, "/api/v1/ledger/checkpoints"), "checkpoints", list, "/api/v1/ledger/checkpoints")
        if not all(isinstance(c, str) for c in cps):
            raise FetchError("/api/v1/ledger/checkpoints: every checkpoint must be a string")
    return Served(origin, vkey, size, latest, entries, cps)


def check_served(served: Served, trusted_key: str | None, previous: str | None = None) -> Report:
    """Pure: verify what the server sent, with the user's key if given, else the served one."""
    key = trusted_key if trusted_key is not None else served.verifier_key
    checkpoints = list(served.checkpoints)
    if served.latest_checkpoint is not None and served.latest_checkpoint not in checkpoints:
        checkpoints.append(served.latest_checkpoint)  # the summary's head must verify too
    report = verify_ledger(served.entries, checkpoints, key, previous, origin=served.origin)
    extra: list[str] = []
    if trusted_key is not None and trusted_key.strip() != (served.verifier_key or "").strip():
        extra.append("the server's key is not the one you trust")
    if len(served.entries) < served.size:
        extra.append(f"the server says the ledger has {served.size} entries but served {len(served.entries)}")
    report.problems[:0] = extra
    return report


def _key_id(vkey: str | None) -> str:
    if vkey is None:
        return "(none published)"
    try:
        return parse_verifier_key(vkey).key_id
    except CheckpointError:
        return vkey


def _print_report(url: str, served: Served, report: Report, key: str | None, out: TextIO) -> None:
    print(f"Ledger:       {url} (origin {served.origin})", file=out)
    if key is None:
        print(f"Key:          {_key_id(served.verifier_key)} (served by the server, trusted as is; "
              "pass --key to pin it)", file=out)
    else:
        print(f"Key:          {_key_id(key)} (yours, from --key)", file=out)
    unsigned = f" ({report.unsigned_entries} not yet in a checkpoint)" if report.unsigned_entries else ""
    print(f"Entries:      {report.entries}{unsigned}", file=out)
    print(f"Checkpoints:  {report.checkpoints_checked} with a valid signature", file=out)
    if report.latest_size is not None and report.latest_root is not None:
        root = base64.b64encode(report.latest_root).decode()
        print(f"Latest:       size {report.latest_size}, root {root}", file=out)
    if report.previous_size is not None:
        print(f"Previous:     size {report.previous_size}", file=out)
    if report.ok:
        print("OK: no problems found.", file=out)
        return
    print(f"{len(report.problems)} problem(s):", file=out)
    for problem in report.problems:
        print(f"  - {problem}", file=out)


Fetch = Callable[[str, float], Served]


def _verify_ledger_cmd(args: argparse.Namespace, fetch: Fetch, out: TextIO, err: TextIO) -> int:
    previous = None
    if args.previous is not None:
        try:
            with open(args.previous, encoding="utf-8") as fh:
                previous = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            print(f"error: cannot read --previous {args.previous}: {exc}", file=err)
            return 2
    try:
        served = fetch(args.url, args.timeout)
    except FetchError as exc:
        print(f"error: {exc}", file=err)
        return 2
    report = check_served(served, args.key, previous)
    _print_report(args.url, served, report, args.key, out)
    return 0 if report.ok else 1


def _api(argv: list[str]) -> int:
    import uvicorn

    from siaga.infra.settings import get_settings

    settings = get_settings()
    parser = argparse.ArgumentParser(prog="siaga api")
    parser.add_argument("--host", default=settings.api_host)
    parser.add_argument("--port", type=int, default=settings.api_port)
    args = parser.parse_args(argv)
    uvicorn.run("siaga.services.api.app:app", host=args.host, port=args.port, access_log=False)
    return 0


def _late(module: str, takes_options: bool = True) -> Callable[[list[str]], int]:
    """Run `module.main` (imported only when chosen), with the options after the command."""
    def start(argv: list[str]) -> int:
        run = importlib.import_module(module).main
        if takes_options:
            return run(argv) or 0
        if argv:
            sys.exit(f"this command takes no options: {' '.join(argv)}")
        return run() or 0
    return start


# The long-running processes of a deployment (infra/deploy/README.md) and their one-off helpers; the
# modules are imported only when chosen, so `siaga topology` does not connect to anything.
PROCESSES: dict[str, tuple[Callable[[list[str]], int], str]] = {
    "api": (_api, "run the HTTP API and pages (uvicorn) [--host H] [--port P]"),
    "worker": (_late("siaga.streams.worker"), "run one stream worker [--web-port P] [--data-dir DIR] [--loglevel L]"),
    "relay": (_late("siaga.services.relay", takes_options=False), "publish the database outbox to Kafka"),
    "notifier": (_late("siaga.services.notifier.main", takes_options=False), "send the notifications topic through Twilio"),
    "prepare": (_late("siaga.infra.prepare", takes_options=False), "apply database migrations and create the topics (idempotent)"),
    "understand": (_late("siaga.understand"), "print what Siaga reads from a message (intent, needs, place) as JSON"),
    "create-admin": (_late("siaga.services.auth.create_admin"), "create or reset a coordinator account (--username NAME [--role R])"),
}


def main(argv: list[str] | None = None, *, fetch: Fetch | None = None,
         out: TextIO | None = None, err: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog="siaga", description="Siaga command-line tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("verify-ledger", help="check the public donation ledger against its signed checkpoints")
    p.add_argument("url", metavar="URL", help="base URL of the Siaga API, e.g. https://siaga.example")
    p.add_argument("--key", metavar="VKEY", help="the ledger verifier key you trust (name+hash+base64)")
    p.add_argument("--previous", metavar="FILE", help="a checkpoint you saved earlier; the ledger must extend it")
    p.add_argument("--timeout", metavar="S", type=float, default=30.0, help="HTTP timeout in seconds (default 30)")
    commands.add_parser("topology", help="print the stages and topics as Markdown (docs/topology.md is this output)")
    for name, (_, text) in PROCESSES.items():
        commands.add_parser(name, help=text, add_help=False)   # their own options follow the name
    args, rest = parser.parse_known_args(argv)
    if args.command in PROCESSES:
        return PROCESSES[args.command][0](rest) or 0
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    out = out or sys.stdout
    err = err or sys.stderr
    if args.command == "topology":
        print(topology.render(), file=out, end="")
        return 0
    if args.command == "verify-ledger":
        return _verify_ledger_cmd(args, fetch or fetch_ledger, out, err)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
