"""Topic declarations against what a cluster has: the checks infra/topics.py applies."""
import pytest

from siaga.infra.settings import Settings
from siaga.infra.topics import TopicMismatch, check_existing, declared_config
from siaga.schemas.topics import BY_NAME, all_topics


def test_every_topic_declares_its_durability_from_settings():
    s = Settings(kafka_replication_factor=3, kafka_min_insync_replicas=2)
    for spec in all_topics():
        cfg = declared_config(spec, s)
        assert cfg["min.insync.replicas"] == "2", spec.name
        assert cfg["cleanup.policy"] in ("delete", "compact"), spec.name
        assert ("retention.ms" in cfg) == (cfg["cleanup.policy"] == "delete"), spec.name


def test_fewer_partitions_than_declared_is_a_clear_error():
    spec = BY_NAME["aid-requests"]
    with pytest.raises(TopicMismatch, match=r"'aid-requests' has 4 partitions, the registry declares 8"):
        check_existing(spec, 4, 1, Settings())


def test_too_little_replication_is_a_clear_error():
    spec = BY_NAME["donations"]
    with pytest.raises(TopicMismatch, match="replication factor 1, settings ask for 3"):
        check_existing(spec, spec.partitions, 1, Settings(kafka_replication_factor=3))
    check_existing(spec, spec.partitions, 3, Settings(kafka_replication_factor=3))   # as declared: fine


def test_every_table_changelog_is_created_before_the_workers_start():
    """Faust must find its changelog topics complete when it starts (see schemas/topics.py)."""
    import siaga.streams.dispatch  # noqa: F401  (declares the tables)
    from siaga.schemas.topics import BY_NAME, MATCH_PARTITIONS
    from siaga.streams.app import app
    from siaga.schemas.topics import TABLES, changelog_topic

    assert set(app.tables.keys()) == set(TABLES)
    for name, table in app.tables.items():
        spec = BY_NAME[changelog_topic(name)]
        assert table.changelog_topic.get_topic_name() == spec.name
        assert spec.partitions == table.partitions == MATCH_PARTITIONS and spec.cleanup_policy == "compact"
