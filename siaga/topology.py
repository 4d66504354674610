"""`python -m siaga topology`: the topology as declared in schemas/stages.py and
schemas/topics.py, drawn as Markdown (a Mermaid flowchart and two tables). docs/topology.md is
this output, checked by tests/unit/test_topology_doc.py, so the docs cannot drift from the code.
Pure: render() only reads the declarations."""
from __future__ import annotations

from siaga.schemas.stages import STAGES, Stage, readers, writers
from siaga.schemas.topics import CHANGELOGS, DAY_MS, MATCH_PARTITIONS, TOPICS, TopicSpec, changelog_topic

REGENERATE = "python -m siaga topology > docs/topology.md"


def _node(name: str) -> str:
    return name.replace("-", "_")


def _diagram() -> list[str]:
    lines = ["```mermaid", "flowchart LR"]
    lines.append("  outbox[(outbox)] --> relay")
    for s in STAGES:
        lines.append(f"  {s.name}([{s.name}])")
    for t in TOPICS:
        if t not in CHANGELOGS:
            lines.append(f"  {_node(t.name)}[/{t.name}/]")
    for s in STAGES:
        for t in s.inputs:
            lines.append(f"  {_node(t)} --> {s.name}")
        for t in s.outputs:
            lines.append(f"  {s.name} --> {_node(t)}")
    lines.append("```")
    return lines


def _code(items) -> str:
    return ", ".join(f"`{i}`" for i in items) or "-"


def _state(s: Stage) -> str:
    if s.tables:
        return f"{_code(s.tables)} by `{s.key}`"
    return f"by `{s.key}`" if s.key else "-"


def _retention(t: TopicSpec) -> str:
    return "-" if t.cleanup_policy == "compact" else str(t.retention_ms // DAY_MS)


def render() -> str:
    out = ["# Topology", "",
           "Generated from `schemas/stages.py` and `schemas/topics.py` by `python -m siaga topology`;",
           f"do not edit by hand (`{REGENERATE}`).", ""]
    out += _diagram()
    out += ["", "## Stages", "",
            "| stage | process | reads | writes | state (key) | handler |",
            "| --- | --- | --- | --- | --- | --- |"]
    for s in STAGES:
        reads = _code(s.inputs) if s.inputs else "outbox rows"
        out.append(f"| {s.name} | {s.process} | {reads} | {_code(s.outputs)} | {_state(s)} | `{s.handler}` |")
    out += ["", "| stage | what it does |", "| --- | --- |"]
    out += [f"| {s.name} | {s.doc} |" for s in STAGES]
    out += ["", "## Topics", "",
            "| topic | key | partitions | cleanup | retention (days) | written by | read by |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for t in TOPICS:
        if t in CHANGELOGS:
            continue
        by = ", ".join(s.name for s in writers(t.name))
        to = ", ".join(s.name for s in readers(t.name))
        out.append(f"| `{t.name}` | {t.key} | {t.partitions} | {t.cleanup_policy} | {_retention(t)} | {by} | {to} |")
    example = changelog_topic("<table>")
    out += ["", f"Each table has a compacted changelog topic `{example}` with {MATCH_PARTITIONS} partitions,",
            "declared in the registry and created before any worker starts.", ""]
    return "\n".join(out)
