"""Sign-in rate limit: at most 5 failed attempts a minute per username and address, and 30 a
minute per address, counted in PostgreSQL so every API process enforces the same limit."""
from __future__ import annotations

WINDOW_S = 60
PER_USER_IP = 5
PER_IP = 30


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__("too many failed sign-in attempts")
        self.retry_after = retry_after


async def check(conn, username: str, ip: str) -> None:
    """Raise RateLimited while the limit is reached (even a right password then waits)."""
    row = await (await conn.execute(
        f"""SELECT count(*) FILTER (WHERE username = %(u)s),
                   count(*),
                   ceil(extract(epoch FROM min(at) FILTER (WHERE username = %(u)s)
                        + interval '{WINDOW_S} seconds' - now())),
                   ceil(extract(epoch FROM min(at) + interval '{WINDOW_S} seconds' - now()))
            FROM login_failures WHERE ip = %(ip)s AND at > now() - interval '{WINDOW_S} seconds'""",
        {"u": username[:100], "ip": ip})).fetchone()
    per_user, per_ip, wait_user, wait_ip = row
    if per_user >= PER_USER_IP:
        raise RateLimited(max(1, int(wait_user or WINDOW_S)))
    if per_ip >= PER_IP:
        raise RateLimited(max(1, int(wait_ip or WINDOW_S)))


async def record_failure(conn, username: str, ip: str) -> None:
    await conn.execute("INSERT INTO login_failures (username, ip) VALUES (%s, %s)", (username[:100], ip))
    await conn.execute("DELETE FROM login_failures WHERE at < now() - interval '1 hour'")
