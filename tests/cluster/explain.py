"""When the fault test finds a request that never settled: gather what every part of the system
knew of it (PostGIS, the matcher's and the desk's changelogs, the internal topics, the workers'
logs), so that one failed run on CI is enough to tell where the chain broke."""
from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path

from siaga.infra.dev import cluster
from tests.cluster.offsets import end_offset
from siaga.schemas.topics import changelog_topic


def _records(bootstrap: str, topic: str, wanted) -> list[dict]:
    """Records of `topic` (from the beginning to the end it has now) whose key or value text
    contains one of `wanted`; with partition, offset and broker timestamp."""
    from confluent_kafka import Consumer, TopicPartition

    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"fault-explain-{uuid.uuid4()}",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False, "log_level": 3})
    out: list[dict] = []
    try:
        parts = cluster.leaders(topic)
        ends = {p: end_offset(c, topic, p) for p in parts}
        c.assign([TopicPartition(topic, p, 0) for p in parts])
        pos = {p: 0 for p in parts}
        deadline = time.monotonic() + 120
        while any(pos[p] < ends[p] for p in parts) and time.monotonic() < deadline:
            m = c.poll(1.0)
            if m is None or m.error():
                continue
            pos[m.partition()] = m.offset() + 1
            key = (m.key() or b"").decode(errors="replace")
            text = (m.value() or b"").decode(errors="replace")
            if any(w in key or w in text for w in wanted):
                try:
                    value = json.loads(text) if text else None
                except ValueError:
                    value = text
                out.append({"p": m.partition(), "o": m.offset(), "ts": m.timestamp()[1] / 1000,
                            "key": key, "value": value})
    finally:
        c.close()
    return out


def _at(ts: float) -> str:
    return time.strftime("%H:%M:%S", time.gmtime(ts)) + f".{int(ts * 1000) % 1000:03d}"


def _brief(v) -> str:
    """One line for an internal message or a state: its kind and what tells it apart."""
    if not isinstance(v, dict):
        return repr(v)[:160]
    keep = ("kind", "status", "offer_id", "action", "reason", "granted", "remind", "matched_offer",
            "confirmed", "checked_at", "assigned_at", "volunteer_id", "partition")
    parts = [f"{k}={v[k]}" for k in keep if k in v and v[k] is not None]
    if "offers" in v:
        parts.append(f"offers={list(v['offers'])}")
    if "hold" in v:
        h = v["hold"]
        parts.append(f"hold={(h or {}).get('offer_id')}:{(h or {}).get('status')}")
    if "closed" in v:
        parts.append(f"closed={[(c.get('offer_id'), c.get('status')) for c in v['closed']][-3:]}")
    return ", ".join(parts)[:400]


def explain(bootstrap: str, db, rids: list[str], log_dir: Path) -> str:
    lines: list[str] = []
    for rid in rids[:2]:
        lines.append(f"== request {rid}")
        offers = db.execute("SELECT offer_id::text, volunteer_id::text, status, status_at FROM dispatches "
                            "WHERE request_id = %s ORDER BY status_at", (rid,)).fetchall()
        for oid, vid, status, at in offers:
            lines.append(f"  dispatch {oid} volunteer {vid}: {status} at {at:%H:%M:%S.%f}")
        for kind, status, at in db.execute(
                "SELECT kind, status, occurred_at FROM situation_log WHERE request_id = %s "
                "ORDER BY occurred_at", (rid,)).fetchall():
            lines.append(f"  situation {kind} {status} at {at:%H:%M:%S.%f}")
        oids = [o for o, _, _, _ in offers]
        vids = sorted({v for _, v, _, _ in offers})
        for oid in oids:
            for body, created, published in db.execute(
                    "SELECT convert_from(value, 'UTF8'), created_at, published_at FROM outbox "
                    "WHERE topic = 'volunteer-replies' AND convert_from(value, 'UTF8') LIKE %s ORDER BY id",
                    (f"%{oid}%",)).fetchall():
                lines.append(f"  reply {json.loads(body).get('action')} for {oid[:8]} accepted "
                             f"{created:%H:%M:%S.%f}, published {published and f'{published:%H:%M:%S.%f}'}")
        for topic, wanted in ((changelog_topic("dispatch-requests"), [rid]),
                              (changelog_topic("dispatch-desks"), vids),
                              ("dispatch-match", [rid]), ("dispatch-volunteer", oids),
                              ("volunteer-replies", oids), ("dispatch-offers", oids)):
            try:
                recs = _records(bootstrap, topic, wanted)
            except Exception as exc:   # a diagnosis must not hide the failure it explains
                lines.append(f"  {topic}: could not read ({exc!r})")
                continue
            lines.append(f"  {topic}: {len(recs)} records")
            for r in recs[-12:]:
                lines.append(f"    [{r['p']}]@{r['o']} {_at(r['ts'])} {r['key'][:40]}: {_brief(r['value'])}")
    pattern = re.compile(r"partition \d+ loaded|[Rr]evoked|Rebalanc|[Ee]xception|Traceback|dead-lettered")
    for path in sorted(log_dir.glob("worker-*.log")):
        hits = [ln.rstrip() for ln in path.read_text(errors="replace").splitlines() if pattern.search(ln)]
        lines.append(f"== {path.name}: {len(hits)} lines about rebalances, loads and errors; the last:")
        lines += [f"  {h[:240]}" for h in hits[-25:]]
    return "\n".join(lines)
