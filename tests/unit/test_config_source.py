"""One source of configuration: infra/settings.py (Settings) is the only runtime module that reads
the environment. A new `os.environ` / `os.getenv` read elsewhere would be a setting that the
settings file, the deploy files and `infra/dev/stack.py` do not know about; make it a Settings field.
Writing a variable for Settings to read (streams/worker.py) is not a read."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ("core", "geo", "schemas", "streams", "services", "infra", "siaga")
# Modules that may read the environment, each with why.
ALLOWED = {
    "infra/settings.py": "the reader: Settings, and SIAGA_PROFILE / SIAGA_RUNTIME_DIR, which say "
                         "where the settings file is and so cannot come from it",
    "infra/dev/stack.py": "the development stack launcher: its own ports and profile, and the "
                      "environment it builds Settings from and hands to the processes it starts",
    "infra/dev/broker.py": "the embedded broker launcher (development): its cache and the JVM's environment",
    "infra/dev/cluster.py": "the local three-broker cluster of the fault test (development): its ports",
    "services/twilio_local/__main__.py": "the local Twilio stand-in (development): its argparse defaults",
    "services/gateway_local/__main__.py": "the local payment gateway simulator (development): its "
                                          "argparse defaults",
}
ENV_NAMES = {"environ", "environb"}
GETENV = {"getenv", "getenvb"}


def env_reads(source: str) -> list[int]:
    """Line numbers where `source` reads the process environment through `os`."""
    tree = ast.parse(source)
    stores = {id(node.value) for node in ast.walk(tree)
              if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store)}
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "os" and \
                any(a.name in ENV_NAMES | GETENV for a in node.names):
            lines.append(node.lineno)
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os"
              and (node.attr in GETENV or node.attr in ENV_NAMES and id(node) not in stores)):
            lines.append(node.lineno)
    return sorted(lines)


def test_only_settings_reads_the_environment():
    found = []
    for package in RUNTIME:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in ALLOWED:
                continue
            found += [f"{rel}:{line}" for line in env_reads(path.read_text(encoding="utf-8"))]
    assert not found, ("the environment read outside infra/settings.py (make it a Settings field, "
                       f"or allow a development tool in ALLOWED with why): {found}")


def test_the_allowed_modules_exist():
    # An allowance outliving its module would let a new file of that name in unchecked.
    assert all((ROOT / rel).is_file() for rel in ALLOWED), [r for r in ALLOWED if not (ROOT / r).is_file()]


def test_the_check_sees_every_way_of_reading():
    reads = {
        "import os\nx = os.environ.get('A')": [2],
        "import os\nx = os.environ['A']": [2],
        "import os\nx = os.getenv('A', '1')": [2],
        "import os\nenv = dict(os.environ)": [2],
        "import os\nenv = {**os.environ, 'A': '1'}": [2],
        "from os import environ\n": [1],
        "from os import getenv\n": [1],
        "import os\nos.environ['A'] = '1'": [],       # a write, for Settings to read
        "import os\nos.getpid()": [],
    }
    for source, lines in reads.items():
        assert env_reads(source) == lines, source
