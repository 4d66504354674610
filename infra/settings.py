"""The one configuration object. Environment variables win; `.siaga/<profile>/env` (written by
`infra.stack`) fills in what the embedded stack chose. Without anything set, embedded defaults."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]
PROFILE = os.environ.get("SIAGA_PROFILE", "run")
RUNTIME_DIR = Path(os.environ.get("SIAGA_RUNTIME_DIR", REPO_ROOT / ".siaga" / PROFILE))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=str(RUNTIME_DIR / "env"), env_file_encoding="utf-8", extra="ignore"
    )

    kafka_bootstrap_servers: str = "127.0.0.1:19092"
    database_url: str = "postgresql://postgres@127.0.0.1:55432/siaga"
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_url: str = "http://127.0.0.1:8000"
    public_base_url: str = "http://127.0.0.1:8000"

    # The embedded Tansu broker differs from Kafka; streams/tansu.py handles it (tansu://).
    broker_is_tansu: bool = True
    # Tansu does not answer a waiting fetch when records arrive: latency per hop vs broker CPU.
    tansu_fetch_wait_ms: int = 100
    # ... and its fetches slow down with the batches a partition holds: batch for this long
    # (make bench uses 100; longer widens the window a SIGKILL can split a step's outputs in).
    tansu_linger_ms: int = 100
    faust_store: str = "memory://"
    faust_web_port: int = 6066

    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_sms_from: str = "+15005550006"
    twilio_whatsapp_from: str = "whatsapp:+14155238886"
    # Set only for the local Twilio-compatible server; empty means api.twilio.com.
    twilio_base_url: str | None = None

    # Dispatch engine knobs.
    offer_timeout_s: float = 300.0
    urgent_offer_timeout_s: float = 120.0
    offers_at_once: int = 1
    search_radii_km: list[float] = Field(default_factory=lambda: [2.0, 5.0, 10.0, 25.0])
    checkin_stale_s: float = 6 * 3600.0
    escalate_after_s: float = 900.0
    urgent_escalate_after_s: float = 300.0
    match_retry_s: float = 5.0
    escalated_retry_s: float = 30.0
    assigned_check_s: float = 120.0   # matcher asks a task's desk how it stands this often
    dedupe_radius_m: float = 300.0
    dedupe_window_s: float = 6 * 3600.0

    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
