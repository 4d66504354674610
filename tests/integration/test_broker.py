"""The embedded broker is Apache Kafka (KRaft) with its data on disk, as an independent client sees it."""
from __future__ import annotations

import pytest

from siaga.infra.dev import broker
from siaga.infra.settings import RUNTIME_DIR

pytestmark = pytest.mark.integration


def test_broker_answers_as_apache_kafka_of_the_pinned_version(env):
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"])
    try:
        cluster = admin.describe_cluster()
        version = str(admin.get_broker_version_data(cluster["brokers"][0]["broker_id"]))   # ApiVersions
        apis = {k.name for k in admin.api_versions()}
    finally:
        admin.close()
    major_minor = ".".join(broker.kafka_version().split(".")[:2])
    assert major_minor in version, (version, broker.kafka_version())
    assert {"DescribeQuorum", "DescribeCluster", "ConsumerGroupHeartbeat"} <= apis   # KRaft, 4.x
    assert cluster["controller_id"] is not None and cluster["brokers"]


def test_embedded_node_keeps_its_log_on_disk(env):
    port = int(env["KAFKA_BOOTSTRAP_SERVERS"].rsplit(":", 1)[1])
    node = broker.single_node(RUNTIME_DIR, port)
    if not broker.running_pid(node, RUNTIME_DIR):
        pytest.skip("KAFKA_BOOTSTRAP_SERVERS points at an external cluster")
    assert (node.data_dir / "meta.properties").exists(), "storage was never formatted"
    segments = list((node.data_dir / "aid-requests-0").glob("*.log"))
    assert segments, f"no log segment of aid-requests-0 under {node.data_dir}"
    props = node.config_path.read_text()
    assert "process.roles=broker,controller" in props and "auto.create.topics.enable=false" in props
