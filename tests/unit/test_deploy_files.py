"""The deployment files (infra/deploy/) agree with the code: every setting they give Siaga is a
real Settings field (a typo would be silently ignored: pydantic-settings drops unknown
variables), every process the project runs is deployed, topics replicate 3 ways with 2 in
sync, and the broker listener speaks the protocol the clients are told to use. Docker and a
Kubernetes API server are not needed; this only reads the files."""
from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from siaga.infra import kafka_config
from siaga.__main__ import PROCESSES as SIAGA_COMMANDS
from siaga.infra.dev import stack
from siaga.infra.settings import REPO_ROOT, Settings

DEPLOY = REPO_ROOT / "infra" / "deploy"
K8S = DEPLOY / "k8s"
FIELDS = {name.upper() for name in Settings.model_fields}
# The `siaga` command that runs each process of infra/dev/stack.py in a deployment.
PROCESSES = {"api": "siaga api", "relay": "siaga relay", "notifier": "siaga notifier", "worker": "siaga worker"}
LOCAL_ONLY = {"twilio-local", "gateway-local"}   # offline stand-ins for Twilio and the payment gateway
VAR = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")


def _substitute(value: str) -> str:
    """Compose interpolation, with a stand-in for what .env would give."""
    return VAR.sub(lambda m: m.group(3) if m.group(2) == "-" else "x", str(value))


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def _k8s_docs() -> list[dict]:
    return [d for p in sorted(K8S.glob("*.yaml")) for d in yaml.safe_load_all(p.read_text()) if d]


def _is_siaga(image: str) -> bool:
    return image.split("/")[-1].split(":")[0] == "siaga"


def _check_siaga_env(env: dict[str, str], where: str) -> None:
    unknown = set(env) - FIELDS
    assert not unknown, f"{where}: not Settings fields (ignored at run time): {sorted(unknown)}"
    assert env.get("KAFKA_REPLICATION_FACTOR") == "3", where
    assert env.get("KAFKA_MIN_INSYNC_REPLICAS") == "2", where
    # The settings must be accepted by every client kind (kafka_config refuses half a SASL setup).
    s = Settings(_env_file=None, **{k.lower(): _substitute(v) for k, v in env.items()})
    kafka_config.confluent_producer(s)
    kafka_config.aiokafka(s)
    kafka_config.faust_credentials(s)


def _listener_protocol(kafka_env: dict[str, str], port: str) -> str:
    """The security protocol of the broker listener on `port`."""
    names = {l.split("://")[0]: l.rsplit(":", 1)[1] for l in kafka_env["KAFKA_LISTENERS"].split(",")}
    proto = dict(p.split(":") for p in kafka_env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    return next(proto[name] for name, p in names.items() if p == port)


def _check_kafka_env(env: dict[str, str], where: str) -> None:
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller", where
    assert len(env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")) == 3, where
    for key, want in {"KAFKA_DEFAULT_REPLICATION_FACTOR": "3", "KAFKA_MIN_INSYNC_REPLICAS": "2",
                      "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "3",
                      "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "3",
                      "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "2",
                      "KAFKA_AUTO_CREATE_TOPICS_ENABLE": "false"}.items():
        assert env.get(key) == want, f"{where}: {key}={env.get(key)!r}, want {want}"


def _check_processes(commands: list[list[str]], where: str) -> None:
    flat = [" ".join(c) for c in commands]
    for name, module in PROCESSES.items():
        assert any(module in c for c in flat), f"{where}: no {name} process ({module})"
    assert any("siaga prepare" in c for c in flat), f"{where}: migrations and topics are never prepared"


def test_every_process_of_the_stack_is_known_here_and_importable():
    # A process added to infra/dev/stack.py must be added to the deploy files and to PROCESSES.
    assert set(stack.APP_PROCS) - LOCAL_ONLY <= set(PROCESSES), set(stack.APP_PROCS) - LOCAL_ONLY - set(PROCESSES)
    for command in [*PROCESSES.values(), "siaga prepare"]:
        assert command.split()[1] in SIAGA_COMMANDS, f"`{command}` is not a command of siaga/__main__.py"


def test_compose_file():
    services = _compose()["services"]
    siaga = {n: s for n, s in services.items() if _is_siaga(s["image"])}
    kafka = {n: s for n, s in services.items() if s["image"].startswith("apache/kafka:")}
    for name, svc in siaga.items():
        _check_siaga_env(svc["environment"], f"compose service {name}")
    _check_processes([svc["command"] for svc in siaga.values()], "compose.yaml")
    assert len(kafka) == 3 and any("postgis/postgis" in s["image"] for s in services.values())
    assert len({s["environment"]["KAFKA_NODE_ID"] for s in kafka.values()}) == 3
    for name, svc in kafka.items():
        _check_kafka_env(svc["environment"], f"compose service {name}")
        assert svc["volumes"], f"{name} keeps its log on a volume"
    client = siaga["api"]["environment"]
    port = client["KAFKA_BOOTSTRAP_SERVERS"].split(",")[0].rsplit(":", 1)[1]
    assert _listener_protocol(next(iter(kafka.values()))["environment"], port) == client["KAFKA_SECURITY_PROTOCOL"]


def test_compose_variables_are_all_in_env_example():
    text = (DEPLOY / "compose.yaml").read_text()
    example = {line.split("=", 1)[0] for line in (DEPLOY / "env.example").read_text().splitlines()
               if "=" in line and not line.startswith("#")}
    used = {m.group(1) for m in VAR.finditer(text)}
    assert used <= example, f"missing in env.example: {sorted(used - example)}"


def _workloads(docs: list[dict]) -> list[dict]:
    return [d for d in docs if d["kind"] in ("Deployment", "StatefulSet")]


def test_kubernetes_manifests():
    docs = _k8s_docs()
    kustom = next(d for d in docs if d["kind"] == "Kustomization")
    assert set(kustom["resources"]) == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    maps = {(d["kind"], d["metadata"]["name"]): {**d.get("data", {}), **d.get("stringData", {})}
            for d in docs if d["kind"] in ("ConfigMap", "Secret")}
    commands = []
    for w in _workloads(docs):
        spec = w["spec"]["template"]["spec"]
        for c in [*spec.get("initContainers", []), *spec["containers"]]:
            if not _is_siaga(c["image"]):
                continue
            env = {}
            for ref in c.get("envFrom", []):
                kind, r = ("ConfigMap", ref["configMapRef"]) if "configMapRef" in ref else ("Secret", ref["secretRef"])
                env.update(maps[(kind, r["name"])])
            env.update({e["name"]: e.get("value", "x") for e in c.get("env", [])})
            _check_siaga_env(env, f"{w['kind']} {w['metadata']['name']}/{c['name']}")
            commands.append(c["command"])
    _check_processes(commands, "k8s/")
    kafka = next(w for w in _workloads(docs) if w["metadata"]["name"] == "kafka")
    assert kafka["spec"]["replicas"] == 3
    container = kafka["spec"]["template"]["spec"]["containers"][0]
    kafka_env = {e["name"]: e.get("value") for e in container["env"]}
    _check_kafka_env(kafka_env, "k8s kafka")
    siaga_cfg = maps[("ConfigMap", "siaga-config")]
    port = siaga_cfg["KAFKA_BOOTSTRAP_SERVERS"].split(",")[0].rsplit(":", 1)[1]
    assert _listener_protocol(kafka_env, port) == siaga_cfg["KAFKA_SECURITY_PROTOCOL"]
    workers = next(w for w in _workloads(docs) if w["metadata"]["name"] == "worker")
    assert workers["spec"]["replicas"] >= 2


def test_dockerfile_builds_what_pyproject_declares():
    docker = (DEPLOY / "Dockerfile").read_text()
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    python = re.search(r"^FROM python:(\d+\.\d+)", docker, re.M).group(1)
    assert f">={python}" in project["project"]["requires-python"]
    copied = set(re.findall(r"^COPY (\w+) \1$", docker, re.M))
    packages = set(project["tool"]["setuptools"]["package-dir"].values())
    assert packages <= copied, f"packages not in the image: {sorted(packages - copied)}"
    assert "data" in copied   # the gazetteer is read at run time
    assert "pyproject.toml" in docker and "['project']['dependencies']" in docker


@pytest.mark.parametrize("path", sorted(p.relative_to(DEPLOY).as_posix() for p in DEPLOY.rglob("*.yaml")))
def test_yaml_parses(path):
    assert list(yaml.safe_load_all((DEPLOY / path).read_text()))
