"""Production settings reach every Kafka client (issue 10). A node of our own, in a temp folder,
with authentication on: SASL_PLAINTEXT (PLAIN) on 23092 and SASL_SSL with mutual TLS on 23094
(certificates made here with the openssl CLI). Every client kind the project builds from
infra/kafka_config.py must authenticate and work with Settings alone; wrong credentials must
be refused, else the positive cases would prove nothing.

Needs java and the pinned jars (infra/dev/broker.py install, cached); not the running stack."""
from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from siaga.infra import kafka_config
from siaga.infra.dev import broker
from siaga.infra.settings import Settings

SASL_PORT, CONTROLLER_PORT, SSL_PORT = 23092, 23093, 23094
USER, PASSWORD = "siaga", "siaga-secret"
# The broker's own login (inter-broker on SASL_PLAINTEXT) and the one client user.
JAAS = ('org.apache.kafka.common.security.plain.PlainLoginModule required '
        'username="admin" password="admin-secret" user_admin="admin-secret" '
        f'user_{USER}="{PASSWORD}";')

pytestmark = pytest.mark.skipif(not shutil.which("java"), reason="needs java (make setup installs it)")


def make_certs(d: Path) -> dict[str, Path]:
    """A throwaway CA, a server certificate for 127.0.0.1 and a client certificate."""
    def ossl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    d.mkdir(parents=True, exist_ok=True)
    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
         "-days", "2", "-subj", "/CN=siaga-test-ca")
    exts = {"server": "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
            "client": "extendedKeyUsage=clientAuth\n"}
    for name, ext in exts.items():
        (d / f"{name}.ext").write_text(ext)
        ossl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
             "-subj", f"/CN=siaga-{name}")
        ossl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext")
    # Kafka reads a PEM key store as one file: the private key (PKCS#8, here unencrypted; an
    # encrypted one needs ssl.key.password and PBES1, Java has no PBES2) and its certificate chain.
    (d / "server-keystore.pem").write_text((d / "server.key").read_text() + (d / "server.pem").read_text())
    return {"ca": d / "ca.pem", "keystore": d / "server-keystore.pem",
            "cert": d / "client.pem", "key": d / "client.key"}


def listener_properties(certs: dict[str, Path] | None) -> dict[str, str]:
    listeners = [f"SASL_PLAINTEXT://127.0.0.1:{SASL_PORT}"]
    props = {
        "inter.broker.listener.name": "SASL_PLAINTEXT",
        "sasl.enabled.mechanisms": "PLAIN",
        "sasl.mechanism.inter.broker.protocol": "PLAIN",
        "listener.name.sasl_plaintext.plain.sasl.jaas.config": JAAS,
    }
    if certs:
        listeners.append(f"SASL_SSL://127.0.0.1:{SSL_PORT}")
        p = "listener.name.sasl_ssl."
        props.update({
            p + "plain.sasl.jaas.config": JAAS,
            p + "ssl.keystore.type": "PEM", p + "ssl.keystore.location": str(certs["keystore"]),
            p + "ssl.truststore.type": "PEM", p + "ssl.truststore.location": str(certs["ca"]),
            p + "ssl.client.auth": "required",   # mutual TLS as well: the client's cert is checked
        })
    props.update({
        "listeners": ",".join([*listeners, f"CONTROLLER://127.0.0.1:{CONTROLLER_PORT}"]),
        "advertised.listeners": ",".join(listeners),
        "listener.security.protocol.map": "SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT",
    })
    return props


def settings_for(protocol: str, certs: dict[str, Path] | None, **over) -> Settings:
    kw = {"kafka_bootstrap_servers": f"127.0.0.1:{SASL_PORT}", "kafka_security_protocol": protocol,
          "kafka_sasl_mechanism": "PLAIN", "kafka_sasl_username": USER, "kafka_sasl_password": PASSWORD}
    if protocol == "SASL_SSL":
        kw.update(kafka_bootstrap_servers=f"127.0.0.1:{SSL_PORT}", kafka_ssl_cafile=str(certs["ca"]),
                  kafka_ssl_certfile=str(certs["cert"]), kafka_ssl_keyfile=str(certs["key"]))
    kw.update(over)
    # No env file: the profile's settings must not leak into this test.
    return Settings(_env_file=None, **kw)


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    """The node, and Settings per protocol (None where the listener is missing)."""
    try:
        broker.install()
    except SystemExit as exc:
        pytest.skip(f"Kafka jars unavailable: {exc}")
    run_dir = tmp_path_factory.mktemp("kafka-security")
    for sub in ("logs", "pids"):
        (run_dir / sub).mkdir()
    certs = make_certs(run_dir / "certs") if shutil.which("openssl") else None
    node = broker.Node(node_id=1, port=SASL_PORT, controller_port=CONTROLLER_PORT,
                       home=run_dir / "kafka", name="kafka-security")
    broker.start(node, [node], run_dir, broker.new_cluster_id(), heap=["-Xms256m", "-Xmx512m"],
                 extra=listener_properties(certs))
    log = run_dir / "logs" / f"{node.name}.log"
    try:
        deadline = time.monotonic() + broker.START_TIMEOUT_S
        while True:   # short waits, so a node that died on its configuration fails at once
            if broker.running_pid(node, run_dir) is None:
                pytest.fail("the Kafka node exited:\n" + "\n".join(log.read_text().splitlines()[-15:]))
            try:
                broker.wait_ready(node.bootstrap, timeout=3,
                                  client=kafka_config.confluent(settings_for("SASL_PLAINTEXT", certs)))
                break
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise
        yield {"SASL_PLAINTEXT": settings_for("SASL_PLAINTEXT", certs),
               "SASL_SSL": settings_for("SASL_SSL", certs) if certs else None,
               "certs": certs}
    finally:
        broker.stop(node, run_dir)


@pytest.fixture(params=["SASL_PLAINTEXT", "SASL_SSL"])
def settings(request, secured) -> Settings:
    if secured[request.param] is None:
        pytest.skip("no openssl for the certificates")
    return secured[request.param]


def test_topics_are_created_and_described_through_the_admin_client(settings):
    from siaga.infra.topics import describe, ensure_topics
    from siaga.schemas.topics import all_topics, spec

    ensure_topics(settings)   # creates on the first protocol, checks and fixes on the second
    found = describe(settings)
    assert set(found) == {t.name for t in all_topics()}
    assert found["aid-requests"]["partitions"] == spec("aid-requests").partitions
    assert found["volunteer-registrations"]["config"]["cleanup.policy"] == "compact"


def _consume_confluent(settings: Settings, topic: str, key: bytes, timeout: float = 30.0) -> bytes:
    from confluent_kafka import Consumer

    c = Consumer(kafka_config.confluent(settings, **{"group.id": f"sec-{uuid.uuid4().hex[:8]}",
                                                     "auto.offset.reset": "earliest"}))
    try:
        c.subscribe([topic])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = c.poll(1.0)
            if m is not None and not m.error() and m.key() == key:
                return m.value()
        raise AssertionError(f"no record with key {key!r} in {topic}")
    finally:
        c.close()


def test_confluent_producer_and_consumer(settings):
    from confluent_kafka import Producer
    from siaga.infra.topics import ensure_topics

    ensure_topics(settings)
    p = Producer(kafka_config.confluent_producer(settings))
    key = uuid.uuid4().bytes
    errors = []
    p.produce("aid-requests", key=key, value=b"confluent",
              on_delivery=lambda err, _m: errors.append(err) if err else None)
    assert p.flush(30) == 0 and not errors
    assert _consume_confluent(settings, "aid-requests", key) == b"confluent"


async def test_aiokafka_producer_and_consumer(settings):
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
    from siaga.infra.topics import ensure_topics

    ensure_topics(settings)
    key = uuid.uuid4().bytes
    producer = AIOKafkaProducer(**kafka_config.aiokafka(settings, acks="all"))
    await producer.start()
    try:
        await producer.send_and_wait("dispatch-offers", key=key, value=b"aiokafka")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer("dispatch-offers", group_id=f"sec-{uuid.uuid4().hex[:8]}",
                                auto_offset_reset="earliest", **kafka_config.aiokafka(settings))
    await consumer.start()
    try:
        got = await _until_key(consumer, key)
    finally:
        await consumer.stop()
    assert got == b"aiokafka"


async def _until_key(consumer, key: bytes, timeout: float = 30.0) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batches = await consumer.getmany(timeout_ms=1000)
        for records in batches.values():
            for r in records:
                if r.key == key:
                    return r.value
    raise AssertionError(f"no record with key {key!r}")


async def test_faust_credentials_reach_its_producer_topic_creation_and_consumer(settings):
    """What streams/app.py passes to faust.App: its producer (which also declares the changelog
    topics) and the aiokafka settings Faust's consumers derive from the same credentials."""
    import faust
    from aiokafka import AIOKafkaConsumer
    from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

    creds = kafka_config.faust_credentials(settings)
    auth = credentials_to_aiokafka_auth(creds)
    assert auth["security_protocol"] == settings.kafka_security_protocol
    app = faust.App(f"sec-{uuid.uuid4().hex[:8]}", broker=kafka_config.faust_broker_url(settings),
                    broker_credentials=creds, topic_replication_factor=1, topic_allow_declare=True)
    topic, key = f"faust-sec-{uuid.uuid4().hex[:8]}", uuid.uuid4().bytes
    producer = app.producer
    await producer.start()
    try:
        await producer.create_topic(topic, partitions=1, replication=1)
        await producer.send_and_wait(topic, key, b"faust", partition=None, timestamp=None, headers=None)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(topic, group_id=f"sec-{uuid.uuid4().hex[:8]}", auto_offset_reset="earliest",
                                bootstrap_servers=settings.kafka_bootstrap_servers, **auth)
    await consumer.start()
    try:
        assert await _until_key(consumer, key) == b"faust"
    finally:
        await consumer.stop()


BAD = {  # what a misconfigured client sends, per protocol; the first is always a wrong password
    "SASL_PLAINTEXT": [{"kafka_sasl_password": "wrong"},
                       {"kafka_security_protocol": "PLAINTEXT", "kafka_sasl_mechanism": None}],
    "SASL_SSL": [{"kafka_sasl_password": "wrong"},
                 {"kafka_ssl_certfile": None, "kafka_ssl_keyfile": None}],   # no client certificate
}
WHY = {"kafka_sasl_password": "authentication failed", "kafka_ssl_certfile": "certificate"}


@pytest.mark.parametrize("case", [0, 1], ids=["wrong password", "no credentials"])
def test_bad_credentials_are_refused_by_the_admin_client(secured, settings, case):
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    over = BAD[settings.kafka_security_protocol][case]
    bad = settings_for(settings.kafka_security_protocol, secured["certs"], **over)
    errors = []
    admin = AdminClient(kafka_config.confluent(bad, error_cb=errors.append, log_level=0))
    with pytest.raises(KafkaException):
        admin.list_topics(timeout=5)
    admin.poll(1)   # error callbacks are served by poll
    why = next((w for k, w in WHY.items() if k in over), None)
    if why:   # the broker says why (a plaintext client is just cut off)
        assert any(why in e.str().lower() for e in errors), [e.str() for e in errors][:3]


@pytest.mark.parametrize("case", [0, 1], ids=["wrong password", "no credentials"])
async def test_bad_credentials_are_refused_by_aiokafka_and_faust(secured, settings, case):
    from aiokafka import AIOKafkaProducer
    from aiokafka.errors import KafkaConnectionError
    from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

    bad = settings_for(settings.kafka_security_protocol, secured["certs"],
                       **BAD[settings.kafka_security_protocol][case])
    for kw in (kafka_config.aiokafka(bad),
               {"bootstrap_servers": bad.kafka_bootstrap_servers,
                **credentials_to_aiokafka_auth(kafka_config.faust_credentials(bad))}):
        producer = AIOKafkaProducer(request_timeout_ms=8000, **kw)
        with pytest.raises(KafkaConnectionError):
            await producer.start()
        await producer.stop()


@pytest.mark.parametrize("over", [
    {"kafka_security_protocol": "SASL_SSL"},                                # no mechanism
    {"kafka_security_protocol": "PLAINTEXT", "kafka_sasl_mechanism": "PLAIN"},   # SASL ignored
    {"kafka_security_protocol": "TLS"},
])
def test_half_configured_security_is_refused_by_every_client_kind(over):
    """No broker needed: each library would guess differently (GSSAPI, no SASL, PLAIN)."""
    s = Settings(_env_file=None, **over)
    for build in (kafka_config.confluent, kafka_config.confluent_producer, kafka_config.aiokafka,
                  kafka_config.faust_credentials):
        with pytest.raises(ValueError, match="KAFKA_"):
            build(s)
