"""Prometheus metrics of the API process."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()
ACCEPTED = Counter("siaga_events_accepted_total", "Inputs accepted into the outbox", ["kind"], registry=REGISTRY)
REPLAYED = Counter("siaga_idempotent_replays_total", "Retries answered from the idempotency record", ["kind"], registry=REGISTRY)
REJECTED = Counter("siaga_http_4xx_total", "Requests refused as bad input", ["status"], registry=REGISTRY)
LATENCY = Histogram("siaga_http_request_seconds", "API latency", ["route"], registry=REGISTRY)
OUTBOX_BACKLOG = Gauge("siaga_outbox_backlog", "Accepted events not yet on their topic", registry=REGISTRY)
DELIVERY_BACKLOG = Gauge("siaga_delivery_backlog", "Messages to people not yet handed to the provider, by state "
                         "(sending: in a try now; retry_wait: the provider refused or did not answer)",
                         ["state"], registry=REGISTRY)
DELIVERY_OLDEST = Gauge("siaga_delivery_backlog_oldest_seconds", "Age of the oldest message still waiting",
                        registry=REGISTRY)
HEARTBEAT_AGE = Gauge("siaga_process_heartbeat_age_seconds", "Seconds since a process last reported", ["name"], registry=REGISTRY)
