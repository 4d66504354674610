"""Create every registered topic with its declared settings, before first use (idempotent).

Partitions, cleanup policy and retention come from the topic registry (schemas/topics.py);
replication factor and min.insync.replicas from Settings (1/1 on the embedded node, 3/2 on a
cluster). An existing topic whose partition count or replication differs from the declaration
is an error that names the topic: co-partitioned agents would silently go wrong. Retention and
cleanup drift is corrected in place (those can change safely on a live topic).
"""
from __future__ import annotations

import time

from siaga.infra import kafka_config
from siaga.infra.settings import Settings, get_settings
from siaga.schemas.topics import TopicSpec, all_topics


class TopicMismatch(RuntimeError):
    """An existing topic contradicts its declaration in a way that cannot be fixed in place."""


def declared_config(spec: TopicSpec, settings: Settings) -> dict[str, str]:
    return {**spec.config(), "min.insync.replicas": str(settings.kafka_min_insync_replicas)}


def _admin(settings: Settings):
    from confluent_kafka.admin import AdminClient

    return AdminClient(kafka_config.confluent(settings))


def _metadata(admin, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return admin.list_topics(timeout=5)
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def check_existing(spec: TopicSpec, partitions: int, replicas: int, settings: Settings) -> None:
    if partitions != spec.partitions:
        raise TopicMismatch(
            f"topic {spec.name!r} has {partitions} partitions, the registry declares {spec.partitions}: "
            "keys would land in other partitions than the co-partitioned agents expect. Recreate "
            "the topic (or change schemas/topics.py and migrate) before starting Siaga.")
    if replicas < settings.kafka_replication_factor:
        raise TopicMismatch(
            f"topic {spec.name!r} has replication factor {replicas}, settings ask for "
            f"{settings.kafka_replication_factor} (KAFKA_REPLICATION_FACTOR): reassign its "
            "partitions with kafka-reassign-partitions before relying on it.")


def ensure_topics(settings: Settings | None = None, timeout: float = 30.0) -> list[str]:
    """Create what is missing, check what exists, fix config drift. Returns the created names."""
    from confluent_kafka.admin import ConfigResource, NewTopic

    settings = settings or get_settings()
    admin = _admin(settings)
    md = _metadata(admin, timeout)
    specs = all_topics()
    for spec in specs:
        t = md.topics.get(spec.name)
        if t is not None and not t.error:
            replicas = min((len(p.replicas) for p in t.partitions.values()), default=0)
            check_existing(spec, len(t.partitions), replicas, settings)
    wanted = [s for s in specs if s.name not in md.topics]
    created = []
    if wanted:
        futures = admin.create_topics(
            [NewTopic(s.name, num_partitions=s.partitions, replication_factor=settings.kafka_replication_factor,
                      config=declared_config(s, settings)) for s in wanted])
        for name, fut in futures.items():
            try:
                fut.result(timeout=timeout)
                created.append(name)
            except Exception as exc:  # already exists is fine (a race with another starter)
                if "TOPIC_ALREADY_EXISTS" not in str(exc):
                    raise
    existing = [s for s in specs if s.name not in created]
    if existing:
        resources = [ConfigResource("topic", s.name) for s in existing]
        current = {r.name: fut.result(timeout=timeout) for r, fut in admin.describe_configs(resources).items()}
        for s in existing:
            drift = {k: v for k, v in declared_config(s, settings).items()
                     if current[s.name].get(k) is None or current[s.name][k].value != v}
            if drift:
                # AlterConfigs replaces the dynamic config: send the whole declaration.
                res = ConfigResource("topic", s.name, set_config=declared_config(s, settings))
                for fut in admin.alter_configs([res]).values():
                    fut.result(timeout=timeout)
    return created


def describe(settings: Settings | None = None) -> dict[str, dict]:
    """Partitions, replication and declared config of every registered topic, as the cluster has them."""
    from confluent_kafka.admin import ConfigResource

    settings = settings or get_settings()
    admin = _admin(settings)
    md = _metadata(admin, 10)
    names = [s.name for s in all_topics() if s.name in md.topics]
    configs = {r.name: fut.result(timeout=10)
               for r, fut in admin.describe_configs([ConfigResource("topic", n) for n in names]).items()}
    out = {}
    for n in names:
        parts = md.topics[n].partitions.values()
        out[n] = {"partitions": len(parts), "replication_factor": min(len(p.replicas) for p in parts),
                  "config": {k: v.value for k, v in configs[n].items()}}
    return out


def partition_counts(settings: Settings | None = None) -> dict[str, int]:
    md = _admin(settings or get_settings()).list_topics(timeout=10)
    return {name: len(t.partitions) for name, t in md.topics.items()}
