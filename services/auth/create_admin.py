"""Create the first admin (or reset an account's password) from the command line:

    python -m siaga.services.auth.create_admin --username admin            # asks for the password
    SIAGA_ADMIN_PASSWORD=... python -m siaga.services.auth.create_admin --username admin
    python -m siaga.services.auth.create_admin --username admin --password ... --reset

Uses DATABASE_URL (or the running stack's settings file); the schema must exist (make up).
"""
from __future__ import annotations

import argparse
import getpass
import sys

import psycopg

from siaga.infra.settings import get_settings
from siaga.services.auth.accounts import AccountError, AccountExists, create_coordinator_sync, set_password_sync


def _password(args: argparse.Namespace) -> str:
    if args.password:
        return args.password
    if get_settings().admin_password:   # SIAGA_ADMIN_PASSWORD
        return get_settings().admin_password
    if not sys.stdin.isatty():
        sys.exit("no password: pass --password, set SIAGA_ADMIN_PASSWORD, or run in a terminal")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        sys.exit("the passwords differ")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m siaga.services.auth.create_admin", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", help="prefer SIAGA_ADMIN_PASSWORD or the prompt (shell history)")
    parser.add_argument("--role", choices=["admin", "treasurer", "dispatcher", "viewer", "coordinator"], default="admin",
                        help="coordinator: the old name of dispatcher")
    parser.add_argument("--reset", action="store_true", help="set a new password if the account exists")
    args = parser.parse_args(argv)
    password = _password(args)
    url = get_settings().database_url
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            try:
                user = create_coordinator_sync(conn, args.username, password, args.role, created_by="command line")
                print(f"created {user.role} account {user.username!r}")
            except AccountExists:
                if not args.reset:
                    print(f"account {args.username!r} exists; use --reset to set a new password", file=sys.stderr)
                    return 1
                set_password_sync(conn, args.username, password, args.role)
                print(f"password of {args.username.strip().lower()!r} reset ({args.role})")
    except AccountError as exc:
        print(f"invalid {exc.field}: {exc.message}", file=sys.stderr)
        return 2
    except psycopg.errors.UndefinedTable:
        print("the coordinators table does not exist yet: start the stack first (make up)", file=sys.stderr)
        return 3
    except psycopg.OperationalError as exc:
        print(f"cannot reach the database at {url.split('@')[-1]}: {exc}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
