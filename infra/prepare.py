"""Prepare a deployment before its processes start: database migrations, then Kafka topics.

    python -m siaga.infra.prepare

What `infra/dev/stack.py up` does for the local stack, for Compose and Kubernetes (infra/deploy/). Both
steps are idempotent and safe from several pods at once (migrations hold an advisory lock, topic
creation tolerates a concurrent creator), so every pod can run it as an init step: new
migrations land before new code runs. Settings come from the environment as everywhere.
"""
from __future__ import annotations

import sys

from siaga.infra.migrate import migrate
from siaga.infra.settings import get_settings
from siaga.infra.topics import TopicMismatch, ensure_topics


def main() -> None:
    s = get_settings()
    applied = migrate(s.database_url)
    print(f"[siaga] migrations applied: {', '.join(applied) or 'none (up to date)'}", flush=True)
    try:
        created = ensure_topics(s, timeout=120)   # brokers of a fresh cluster may still be electing
    except TopicMismatch as exc:
        sys.exit(f"[siaga] {exc}")
    print(f"[siaga] topics created: {', '.join(created) or 'none (all exist)'}", flush=True)


if __name__ == "__main__":
    main()
