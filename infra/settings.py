"""The one configuration object, and the one reader of the environment for runtime settings
(tests/unit/test_config_source.py fails on any other). Environment variables win;
`.siaga/<profile>/env` (written by `infra/dev/stack.py`, from these fields) fills in what the embedded
stack chose. Without anything set, embedded defaults. The dispatch core's configs are built from
it in one place (streams/dispatch_config.py)."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from siaga.core.text.incident_areas import parse_incident_areas
from siaga.geo.incidents import IncidentArea

# The source checkout (dev tools, tests and benchmarks use it); an installed wheel has none.
REPO_ROOT = Path(__file__).resolve().parents[1]
PROFILE = os.environ.get("SIAGA_PROFILE", "run")


def _default_runtime_dir() -> Path:
    if (REPO_ROOT / "pyproject.toml").is_file():
        return REPO_ROOT / ".siaga" / PROFILE
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "siaga" / PROFILE


# Every runtime path (the env file, the ledger key, pid files, Faust data) lies under this one
# setting: SIAGA_RUNTIME_DIR, else .siaga/<profile> of the checkout, else the user's state folder.
RUNTIME_DIR = Path(os.environ.get("SIAGA_RUNTIME_DIR") or _default_runtime_dir())


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

    # Kafka clients (every producer and consumer of every process takes these; infra/kafka_config.py).
    # PLAINTEXT for the embedded node; SSL, SASL_PLAINTEXT or SASL_SSL for a real cluster.
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None          # PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
    kafka_sasl_username: str | None = None
    kafka_sasl_password: str | None = None
    kafka_ssl_cafile: str | None = None              # CA bundle that signed the brokers' certs
    kafka_ssl_certfile: str | None = None            # client certificate (mutual TLS)
    kafka_ssl_keyfile: str | None = None
    # Topic durability: 1/1 on the embedded node, 3/2 on a cluster (infra/topics.py applies them).
    kafka_replication_factor: int = 1
    kafka_min_insync_replicas: int = 1
    # How long producers gather records into a batch: a few ms keeps a hop fast (measured in
    # docs/benchmarks.md); Kafka answers a waiting fetch as soon as records arrive.
    kafka_linger_ms: float = 5.0
    faust_store: str = "memory://"
    # Where a worker keeps its tables' files; `siaga worker --data-dir` sets it per process.
    faust_datadir: str = str(RUNTIME_DIR / "faust")
    # A worker whose table recovery takes longer than this stops with an error (streams/health.py).
    recovery_timeout_s: float = 900.0   # 100k volunteers replay in ~3 min here
    faust_web_port: int = 6066
    # How many Faust workers infra/dev/stack.py starts (the test profiles: 2 unless told); the deploy
    # files' replicas take the same variable (infra/deploy/).
    workers: int = Field(default=1, ge=1, validation_alias="siaga_workers")
    notifier_workers: int = Field(default=8, ge=1)   # the notifier's parallel sends
    # Fault injection for the notifier's crash test, e.g. kill-after-send:3
    # (services/notifier/deliver.py); given to one start of the notifier only.
    notifier_fault: str | None = Field(default=None, validation_alias="siaga_notifier_fault")
    # The password `siaga create-admin` (services/auth/create_admin.py) sets, instead of its prompt.
    admin_password: str | None = Field(default=None, validation_alias="siaga_admin_password", repr=False)

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
    # The search widens in these steps; volunteers are published to the matcher partitions
    # within the widest (streams/dispatch_config.py: DeskConfig.reach_m).
    search_radii_km: list[float] = Field(default_factory=lambda: [2.0, 5.0, 10.0, 25.0], min_length=1)
    checkin_stale_s: float = 6 * 3600.0
    escalate_after_s: float = 900.0
    urgent_escalate_after_s: float = 300.0
    match_retry_s: float = 5.0
    escalated_retry_s: float = 30.0
    assigned_check_s: float = 120.0   # matcher asks a task's desk how it stands this often
    on_the_way_within_s: float = 900.0    # a confirmed volunteer not on the way by then is reminded,
    reminder_grace_s: float = 300.0       # ... and this long after the reminder replaced (coordinators told)
    done_within_s: float = 3 * 3600.0     # on the way but not done by then: reminded, then coordinators told
    dedupe_radius_m: float = 300.0
    dedupe_window_s: float = 6 * 3600.0
    prune_after_s: float = 3 * 86400.0   # a closed request leaves the dispatch state this long after
    # Skills asked of volunteers only once a coordinator verified them (e.g. ["medical","rescue"]);
    # empty: a confirmed phone is enough for every task (core/dispatch/desk.py).
    verified_only_skills: list[str] = Field(default_factory=list)
    # Per client address on the public routes that record something (services/api/limits.py).
    rate_limit_intake: str = "30/minute;600/hour"

    @field_validator("rate_limit_intake")
    @classmethod
    def _rate_spec(cls, value: str) -> str:
        from limits import parse_many   # a typo must stop the start, not open the API wide

        parse_many(value)
        return value

    # Where the disaster is (core/text/incident_areas.py has the JSON form): place names inside win
    # over namesakes far away; bare names away from all of them are marked low confidence.
    incident_areas: str = ""

    @field_validator("incident_areas")
    @classmethod
    def _incident_areas(cls, value: str) -> str:
        parse_incident_areas(value)   # a bad area stops the start with what is wrong
        return value

    @property
    def incidents(self) -> tuple[IncidentArea, ...]:
        return parse_incident_areas(self.incident_areas)

    # Also prefer namesakes where the clearly placed requests of the last two days gather: a
    # tie-breaker, weaker than a declared area; an area holding most of them also has bare names
    # far from it asked about (services/active_areas.py).
    learn_incident_areas: bool = True

    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

    # Volunteers' task pages (services/web/routes_tasks.py): the secret keys the link tokens
    # (core.codes.task_token); empty sends no links. infra/dev/stack.py generates one per runtime.
    task_link_secret: str = ""
    # Show the requester's first name and phone on an accepted task's page.
    share_requester_contact: bool = False

    # Payment gateways (services/payments/config.py); offline, the local simulator plays both.
    midtrans_server_key: str | None = None
    midtrans_base_url: str | None = None           # https://app.midtrans.com in production
    xendit_callback_token: str | None = None
    xendit_secret_key: str | None = None
    xendit_base_url: str | None = None
    payment_base_url: str | None = None            # the local simulator; empty: the real gateways

    # The donation ledger (docs/ledger.md). Only the workers read the private key; the API
    # publishes the public half, which the worker stores in ledger_keys.
    ledger_key_file: str = str(RUNTIME_DIR / "ledger-key.pem")
    ledger_origin: str = "siaga.local/ledger"      # the log's name in its signed checkpoints
    opex_cap_percent: float = 10.0                 # Indonesian rule for public fundraising
    supply_interval_s: float = 15.0                # donated goods are matched to needs this often


# Settings of one process or one command: never written to the shared settings file (a worker's
# own directory, a fault injected into one start, a password typed for one command).
PER_PROCESS = frozenset({"faust_datadir", "notifier_fault", "admin_password"})


def env_name(field: str) -> str:
    """The environment variable (and settings-file key) a Settings field is read from."""
    alias = Settings.model_fields[field].validation_alias
    return (alias if isinstance(alias, str) else field).upper()


def shared_env_names() -> list[str]:
    """The variables every process of a deployment shares: what `.siaga/<profile>/env` may hold."""
    return [env_name(f) for f in Settings.model_fields if f not in PER_PROCESS]


class _GivenOnly(Settings):
    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings):
        return (init_settings,)


def default_settings(**given) -> Settings:
    """The defaults with `given` over them (keys as in the environment, lower case), nothing read
    from the environment or a settings file: for tests and the crash simulator, which must not
    depend on the profile they run under."""
    return _GivenOnly(**given)


def read_env_file(path: Path = RUNTIME_DIR / "env") -> dict[str, str]:
    """The KEY=value lines of a settings file written by infra/dev/stack.py (empty if there is none)."""
    out: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                out[k.strip()] = v.strip()
    return out


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
