"""`pip install .` gives one `siaga` package with a working `siaga` command that finds its data,
outside the checkout; development tools stay out of the wheel. The wheel is built and installed
into a new virtualenv without network (its dependencies are seen through a path entry to this
environment's site-packages, which is not a site dir there, so the checkout's editable finder
is not loaded)."""
from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
# Packages that are development tools: kept out of the installed runtime, each with why.
DEV_ONLY = {
    "siaga.infra.dev": "the local stack, broker, cluster and PostgreSQL launchers",
    "siaga.services.twilio_local": "the offline stand-in for Twilio",
    "siaga.services.gateway_local": "the offline stand-in for the payment gateways",
}


def _folder_packages() -> set[str]:
    found = set()
    for name, folder in PROJECT["package-dir"].items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            found.add(".".join([name, *rel.parts]) if rel.parts else name)
    return found


def _folder(package: str) -> Path:
    top = ".".join(package.split(".")[:2])
    base = ROOT / PROJECT["package-dir"][top if top in PROJECT["package-dir"] else "siaga"]
    rest = package.split(".")[2:] if top in PROJECT["package-dir"] else package.split(".")[1:]
    return base.joinpath(*rest)


def test_the_package_list_matches_the_folders():
    listed = set(PROJECT["packages"])
    code = {p for p in listed if (_folder(p) / "__init__.py").is_file()}
    assert code | set(DEV_ONLY) == _folder_packages(), "update [tool.setuptools] packages in pyproject.toml"
    for data in listed - code:   # folders of data only, each with the files its package-data names
        assert _folder(data).is_dir() and not list(_folder(data).glob("*.py")), data
        if any(f.is_file() for f in _folder(data).iterdir()):
            assert data in PROJECT["package-data"], f"{data}: no package-data patterns"
    assert not listed & set(DEV_ONLY)
    assert all(p == "siaga" or p.startswith("siaga.") for p in listed)   # no generic top-level names


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # Built from a copy of what the package is made of: a build in the checkout would leave
    # build/ and *.egg-info there, and a stale build/ would leak old files into the wheel.
    out, src = tmp_path_factory.mktemp("dist"), tmp_path_factory.mktemp("src")
    for name in ["pyproject.toml", "README.md"]:
        shutil.copy(ROOT / name, src / name)
    for folder in set(PROJECT["package-dir"].values()):
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "--no-index", "-w", str(out), str(src)], check=True, cwd=src,
                   env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    (path,) = out.glob("siaga-*.whl")
    return path


def test_the_wheel_holds_the_runtime_and_its_data_not_the_dev_tools(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"siaga"}, tops
    for data in ["siaga/data/gazetteer/desa.csv", "siaga/core/text/lexicons/skeletons.tsv",
                 "siaga/core/text/lexicons/intent_model.json",
                 "siaga/infra/sql/001_init.sql", "siaga/services/web/templates/map.html",
                 "siaga/services/web/static/map.js", "siaga/schemas/json/aid_request.submitted.json",
                 "siaga/services/web/static/vendor/leaflet/leaflet.js",
                 "siaga/services/web/static/vendor/leaflet/images/marker-icon.png"]:
        assert data in names, data
    for dev in DEV_ONLY:
        assert not any(n.startswith(dev.replace(".", "/") + "/") for n in names), dev
    assert not any(n.startswith(("tests/", "bench/")) for n in names)


def test_pip_install_gives_a_siaga_command_that_finds_its_data(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    purelib = next(Path(p) for p in (venv / "lib").glob("python*/site-packages"))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--target", str(purelib), str(wheel)], check=True)
    scripts = zipfile.ZipFile(wheel).read(next(n for n in zipfile.ZipFile(wheel).namelist()
                                               if n.endswith("entry_points.txt"))).decode()
    assert "siaga = siaga.__main__:main" in scripts
    (purelib / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "SIAGA_PROFILE": "run"}
    python = venv / "bin" / "python"
    where = subprocess.run([python, "-c", "import siaga.core.text.gazetteer as g; print(g.__file__, g.DATA_DIR)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout.split()
    assert all(Path(p).is_relative_to(purelib) for p in where), where   # not the checkout
    # `siaga` as the console script would run it (pip --target writes no scripts)
    siaga = [python, "-c", "import sys; from siaga.__main__ import main; sys.exit(main())"]
    topo = subprocess.run([*siaga, "topology"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert topo.returncode == 0 and "dispatch-match" in topo.stdout, topo.stderr
    read = subprocess.run([*siaga, "understand", "butuh air bersih 20 KK di desa sumberharjo prambanan sleman"],
                          cwd=tmp_path, env=env, capture_output=True, text=True)
    assert read.returncode == 0, read.stderr
    got = json.loads(read.stdout)
    assert got["place"]["admin_code"] == "34.04.09.2001" and "water" in got["needs"]
    helps = subprocess.run([*siaga, "--help"], cwd=tmp_path, env=env, capture_output=True, text=True).stdout
    for command in ("api", "worker", "relay", "notifier", "prepare", "topology", "verify-ledger"):
        assert command in helps, command
