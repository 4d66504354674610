"""`make test`'s type check: mypy on the package as it is installed (siaga.core, siaga.geo, ...).

mypy cannot follow the editable install's import hook, and the folders (core/, geo/, ...) are
named for the card, not for their modules, so mypy is run on a tree of links under .siaga/ that
has the installed shape: .siaga/typecheck/siaga/core -> core/, and so on. Which parts are checked,
and how strictly, is pyproject's [tool.mypy]; this only says where the modules are."""
from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from mypy import api

from siaga.infra.settings import REPO_ROOT

CHECKED = ("core", "geo", "schemas", "streams")   # as siaga.<part>; the others are only read


def link_tree(root: Path = REPO_ROOT) -> Path:
    """The linked tree (rebuilt each time: cheap, and never stale)."""
    setup = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    base = root / ".siaga" / "typecheck"
    pkg = base / "siaga"
    pkg.mkdir(parents=True, exist_ok=True)
    for old in pkg.iterdir():
        old.unlink()
    for name, folder in setup["package-dir"].items():
        if name == "siaga":
            for f in (root / folder).glob("*.py"):
                (pkg / f.name).symlink_to(f)
        else:
            (pkg / name.split(".", 1)[1]).symlink_to(root / folder, target_is_directory=True)
    return base


def main() -> int:
    base = link_tree()
    out, err, code = api.run(["--config-file", str(REPO_ROOT / "pyproject.toml"), "--cache-dir",
                              str(REPO_ROOT / ".siaga" / "mypy-cache"),
                              *(str(base / "siaga" / part) for part in CHECKED), *sys.argv[1:]])
    # paths as in the checkout: .siaga/typecheck/siaga/core/x.py is core/x.py
    sys.stdout.write(out.replace(str((base / "siaga").relative_to(REPO_ROOT)) + "/", ""))
    sys.stderr.write(err)
    return code


if __name__ == "__main__":
    sys.exit(main())
