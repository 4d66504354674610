"""Security headers on every HTML page: a Content-Security-Policy (scripts only from this
origin, so an injected <script> or onclick= never runs; images also from the map's tile
server), no MIME sniffing, no framing. Plain ASGI middleware, as Observe and LimitBody."""
from __future__ import annotations

from urllib.parse import urlsplit

from siaga.infra.settings import get_settings


def policy(tile_url: str) -> str:
    """The policy for a deployment whose map tiles come from `tile_url` ({s} subdomains too)."""
    parts = urlsplit(tile_url)
    tiles = f" {parts.scheme}://{parts.netloc.replace('{s}', '*')}" if parts.scheme in ("http", "https") else ""
    return ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data: blob:{tiles}; connect-src 'self'; font-src 'self'; "
            "object-src 'none'; base-uri 'self'; frame-ancestors 'none'")


class PageHeaders:
    def __init__(self, app):
        self.app = app
        self.csp = policy(get_settings().tile_url).encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                kind = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if kind.startswith(b"text/html"):
                    headers += [(b"content-security-policy", self.csp), (b"x-content-type-options", b"nosniff"),
                                (b"x-frame-options", b"DENY")]
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_headers)
