"""The stage list (schemas/stages.py) is the topology the agents, the simulator and the docs
read: it must name real handlers and registered topics, and every topic must be reachable."""
from __future__ import annotations

import importlib

from siaga.schemas.stages import DISPATCH, STAGES, readers, writers
from siaga.schemas.topics import CHANGELOGS, TABLES, TOPICS, BY_NAME


def _resolve(path: str):
    module, _, qualname = path.partition(":")
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def test_every_stage_names_a_handler_that_exists():
    for stage in STAGES:
        assert callable(_resolve(stage.handler)), stage.name


def test_stages_read_and_write_registered_topics_and_tables():
    for stage in STAGES:
        for topic in stage.inputs + stage.outputs:
            assert topic in BY_NAME, (stage.name, topic)
        assert set(stage.tables) <= set(TABLES), stage.name
    assert len({s.name for s in STAGES}) == len(STAGES)


def test_every_topic_has_a_writer_and_a_reader():
    changelogs = {t.name for t in CHANGELOGS}
    for t in TOPICS:
        if t.name in changelogs:   # Faust writes and reads these itself
            continue
        assert writers(t.name), t.name
        assert readers(t.name), t.name


def test_every_table_belongs_to_one_dispatch_stage():
    owners = [t for s in DISPATCH for t in s.tables]
    assert sorted(owners) == sorted(TABLES)
