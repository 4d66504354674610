"""bench/soak.py's arithmetic and its section of docs/benchmarks.md (kept by make bench)."""
from __future__ import annotations

from datetime import datetime, timezone

from bench import soak


def test_growth_compares_the_end_with_the_first_minute_after_the_warm_up():
    samples = [{"api": 50.0, "worker-1": 100.0}, {"api": 80.0, "worker-1": 200.0},   # warm-up
               {"api": 100.0, "worker-1": 200.0}, {"api": 101.0, "worker-1": 210.0},
               {"api": 102.0, "worker-1": 220.0}, {"api": 103.0, "worker-1": 230.0}]
    g = soak.growth(samples, warmup=2)
    assert g == {"api": 0.02, "worker-1": 0.1}
    assert soak.growth(samples[:2], warmup=2) == {}


def test_the_section_says_whether_the_target_was_met_and_survives_a_rewrite(tmp_path, monkeypatch):
    samples = [{"api": 100.0}] * 3 + [{"api": 130.0}] * 3
    text = soak.section(datetime(2026, 12, 6, tzinfo=timezone.utc), 6, 5, 20, samples, 2, 1800, 1700)
    assert "**NOT met**" in text and "+30.0 %" in text and text.startswith(soak.BEGIN)
    out = tmp_path / "benchmarks.md"
    monkeypatch.setattr(soak, "OUT", out)
    out.write_text("# Benchmarks\n\nfigures of make bench\n")
    soak.write(text)
    soak.write(text.replace("NOT met", "met"))   # a second run replaces the first section
    body = out.read_text()
    assert body.count(soak.BEGIN) == 1 and "figures of make bench" in body and "**met**" in body
    assert soak.keep(body).startswith(soak.BEGIN)
