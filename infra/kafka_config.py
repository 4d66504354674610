"""Kafka client configuration, in one place for every client library the project uses.

The same code talks to the embedded node, the local three-broker cluster and a production
cluster; only Settings differ (bootstrap servers, TLS/SASL). Every producer, consumer and admin
client is built from these functions, so a security setting cannot be forgotten by one of them.
"""
from __future__ import annotations

import ssl
from typing import Any

from siaga.infra.settings import Settings, get_settings


PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")


def _s(settings: Settings | None) -> Settings:
    return settings or get_settings()


def _sasl(s: Settings) -> bool:
    """Whether SASL is on: the protocol decides, for every client alike. A half-configured
    SASL is refused here, because each library would guess differently (librdkafka falls back
    to GSSAPI, Faust to no SASL at all, aiokafka to PLAIN) and the failure would show up as an
    unexplained disconnect in one process only."""
    protocol = s.kafka_security_protocol.upper()
    if protocol not in PROTOCOLS:
        raise ValueError(f"KAFKA_SECURITY_PROTOCOL={s.kafka_security_protocol!r}: "
                         f"use one of {', '.join(PROTOCOLS)}")
    on = protocol.startswith("SASL_")
    if on and not s.kafka_sasl_mechanism:
        raise ValueError(f"KAFKA_SECURITY_PROTOCOL={protocol} needs KAFKA_SASL_MECHANISM "
                         "(PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512) and the user and password")
    if not on and s.kafka_sasl_mechanism:
        raise ValueError(f"KAFKA_SASL_MECHANISM is set but KAFKA_SECURITY_PROTOCOL={protocol} has no "
                         "SASL: use SASL_SSL (or SASL_PLAINTEXT on a private network)")
    return on


def ssl_context(settings: Settings | None = None) -> ssl.SSLContext | None:
    s = _s(settings)
    if "SSL" not in s.kafka_security_protocol.upper():
        return None
    ctx = ssl.create_default_context(cafile=s.kafka_ssl_cafile)
    if s.kafka_ssl_certfile:
        ctx.load_cert_chain(s.kafka_ssl_certfile, s.kafka_ssl_keyfile)
    return ctx


def confluent(settings: Settings | None = None, **extra: Any) -> dict[str, Any]:
    """librdkafka (confluent-kafka) settings: admin clients and consumers."""
    s = _s(settings)
    cfg: dict[str, Any] = {"bootstrap.servers": s.kafka_bootstrap_servers,
                           "security.protocol": s.kafka_security_protocol.lower(),
                           "log_level": 3}
    if _sasl(s):
        cfg.update({"sasl.mechanism": s.kafka_sasl_mechanism, "sasl.username": s.kafka_sasl_username,
                    "sasl.password": s.kafka_sasl_password})
    if s.kafka_ssl_cafile:
        cfg["ssl.ca.location"] = s.kafka_ssl_cafile
    if s.kafka_ssl_certfile:
        cfg.update({"ssl.certificate.location": s.kafka_ssl_certfile,
                    "ssl.key.location": s.kafka_ssl_keyfile})
    cfg.update(extra)
    return cfg


def confluent_producer(settings: Settings | None = None, **extra: Any) -> dict[str, Any]:
    """A durable producer: acknowledged by every in-sync replica, idempotent (no duplicates or
    reordering from its own retries), keys hashed as Java and aiokafka do (murmur2), so a key
    lands in the same partition whoever produced it: co-partitioned tables depend on it."""
    s = _s(settings)
    return confluent(s, **{"acks": "all", "enable.idempotence": True,
                           "linger.ms": s.kafka_linger_ms, "partitioner": "murmur2_random",
                           "reconnect.backoff.max.ms": 2000, **extra})


def make_producer(message_timeout_ms: int, settings: Settings | None = None):
    """The confluent-kafka producer of every process that is not a Faust worker (relay,
    notifier): confluent_producer's settings; `message_timeout_ms` bounds how long a record
    may wait for the broker before its delivery report says it failed."""
    from confluent_kafka import Producer

    return Producer(confluent_producer(settings, **{"message.timeout.ms": message_timeout_ms}))


def faust_producer(settings: Settings | None = None) -> dict[str, Any]:
    """faust.App keyword arguments for the workers' producer, as durable as confluent_producer:
    acks=all (-1), every in-sync replica acknowledges a record."""
    s = _s(settings)
    return {"producer_acks": -1, "producer_linger": s.kafka_linger_ms / 1000,
            "producer_max_batch_size": 256 * 1024}


def aiokafka(settings: Settings | None = None, **extra: Any) -> dict[str, Any]:
    """aiokafka keyword arguments (the library under faust-streaming)."""
    s = _s(settings)
    kw: dict[str, Any] = {"bootstrap_servers": s.kafka_bootstrap_servers,
                          "security_protocol": s.kafka_security_protocol.upper()}
    if _sasl(s):
        kw.update({"sasl_mechanism": s.kafka_sasl_mechanism, "sasl_plain_username": s.kafka_sasl_username,
                   "sasl_plain_password": s.kafka_sasl_password})
    ctx = ssl_context(s)
    if ctx is not None:
        kw["ssl_context"] = ctx
    kw.update(extra)
    return kw


def faust_credentials(settings: Settings | None = None):
    """What faust.App(broker_credentials=...) takes; None on a plain connection."""
    import faust

    s = _s(settings)
    ctx = ssl_context(s)
    if _sasl(s):
        return faust.SASLCredentials(username=s.kafka_sasl_username, password=s.kafka_sasl_password,
                                     mechanism=s.kafka_sasl_mechanism, ssl_context=ctx)
    if ctx is not None:
        return faust.SSLCredentials(ctx)
    return None


def faust_broker_url(settings: Settings | None = None) -> str:
    hosts = [h.strip() for h in _s(settings).kafka_bootstrap_servers.split(",") if h.strip()]
    return ";".join(f"kafka://{h}" for h in hosts)
