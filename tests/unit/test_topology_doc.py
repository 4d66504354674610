"""docs/topology.md is the output of `python -m siaga topology`: regenerate it when the
stages or topics change (the command is in the file)."""
from __future__ import annotations

import io
from pathlib import Path

from siaga.__main__ import main
from siaga.topology import REGENERATE, render

DOC = Path(__file__).resolve().parents[2] / "docs" / "topology.md"


def test_the_command_prints_the_topology():
    out = io.StringIO()
    assert main(["topology"], out=out) == 0
    assert out.getvalue() == render()
    assert "| router | worker |" in out.getvalue() and "`dispatch-match`" in out.getvalue()


def test_the_docs_show_the_declared_topology():
    assert DOC.read_text(encoding="utf-8") == render(), f"docs/topology.md is stale: {REGENERATE}"
