"""Payment settings from the environment (infra/dev/stack.py provides them to every process).

  MIDTRANS_SERVER_KEY    signs Midtrans notifications, authenticates Snap calls
  XENDIT_CALLBACK_TOKEN  Xendit sends it in x-callback-token with every callback
  XENDIT_SECRET_KEY      authenticates Xendit API calls (offline: the callback token)
  PAYMENT_BASE_URL       base URL of the local simulator (services/gateway_local); empty means
                         the real gateways:
  MIDTRANS_BASE_URL      Snap base, https://app.sandbox.midtrans.com (default) or
                         https://app.midtrans.com for production
  XENDIT_BASE_URL        https://api.xendit.co (default)

They are fields of infra/settings.py (the one reader of the environment and the settings
file); from_env() takes them from there unless a mapping is given (tests).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

MIDTRANS_SANDBOX = "https://app.sandbox.midtrans.com"
MIDTRANS_PRODUCTION = "https://app.midtrans.com"
XENDIT_API = "https://api.xendit.co"


@dataclass(frozen=True)
class PaymentConfig:
    midtrans_server_key: str = field(default="", repr=False)
    xendit_callback_token: str = field(default="", repr=False)
    xendit_secret_key: str = field(default="", repr=False)
    payment_base_url: str = ""          # the local simulator; "" = the real gateways
    midtrans_base_url: str = MIDTRANS_SANDBOX
    xendit_base_url: str = XENDIT_API

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "PaymentConfig":
        if env is None:
            from siaga.infra.settings import get_settings

            env = {k.upper(): str(v) for k, v in get_settings().model_dump().items()
                   if k.startswith(("midtrans_", "xendit_", "payment_")) and v is not None}
        base = (env.get("PAYMENT_BASE_URL") or "").strip().rstrip("/")
        token = (env.get("XENDIT_CALLBACK_TOKEN") or "").strip()
        secret = (env.get("XENDIT_SECRET_KEY") or "").strip()
        if not secret and base:   # offline: the simulator takes the callback token as secret key
            secret = token
        return cls(
            midtrans_server_key=(env.get("MIDTRANS_SERVER_KEY") or "").strip(),
            xendit_callback_token=token,
            xendit_secret_key=secret,
            payment_base_url=base,
            midtrans_base_url=(env.get("MIDTRANS_BASE_URL") or MIDTRANS_SANDBOX).strip().rstrip("/"),
            xendit_base_url=(env.get("XENDIT_BASE_URL") or XENDIT_API).strip().rstrip("/"),
        )

    @property
    def offline(self) -> bool:
        """True when the gateways are the local simulator."""
        return bool(self.payment_base_url)

    @property
    def midtrans_api(self) -> str:
        """Where Snap's POST /snap/v1/transactions goes."""
        return self.payment_base_url or self.midtrans_base_url

    @property
    def xendit_api(self) -> str:
        """Where Xendit's POST /v2/invoices goes."""
        return self.payment_base_url or self.xendit_base_url

    def configured(self, gateway: str) -> bool:
        """Whether donations can be taken through `gateway` (its keys are set)."""
        if gateway == "midtrans":
            return bool(self.midtrans_server_key)
        if gateway == "xendit":
            return bool(self.xendit_secret_key and self.xendit_callback_token)
        return False
