# Siaga: `make run` and `make test` set up everything they need (idempotent).
SHELL := /bin/bash
PY    := .venv/bin/python
PIP   := .venv/bin/pip
STAMP := .venv/.installed-$(shell cat pyproject.toml web/package-lock.json 2>/dev/null | sha1sum | cut -c1-12)

.PHONY: setup system python assets kafka run up test fuzz stop bench soak eval schemas lexicon clean-runtime

setup: system python assets kafka

system:
	@bash infra/install-system.sh

python: $(STAMP)
$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv .venv
	@$(PIP) install -q --disable-pip-version-check --upgrade pip
	@$(PIP) install -q --disable-pip-version-check -e '.[test]'
	@rm -f .venv/.installed-*; touch $(STAMP)

assets:
	@bash infra/install-assets.sh

# Apache Kafka's jars from Maven Central, pinned in infra/kafka/pom.xml (cached: once only).
kafka: system python
	@$(PY) -m siaga.infra.dev.broker install >/dev/null

run: setup
	@$(PY) -m siaga.infra.dev.stack run

up: setup
	@$(PY) -m siaga.infra.dev.stack up

stop:
	@$(PY) -m siaga.infra.dev.stack down
	@SIAGA_PROFILE=test $(PY) -m siaga.infra.dev.stack down

test: setup
	@$(PY) -m siaga.infra.dev.typecheck
	@SIAGA_PROFILE=test $(PY) -m siaga.infra.dev.stack up --fresh
	@SIAGA_PROFILE=test $(PY) -m pytest -q -p no:cacheprovider; rc=$$?; \
	  SIAGA_PROFILE=test $(PY) -m siaga.infra.dev.stack down >/dev/null; exit $$rc

# Fuzzing the API at length (not in CI): the test stack as `make test` starts it, then
# tests/fuzz with FUZZ_CASES (1000) generated cases per operation and a new seed each run
# (FUZZ_FORM_CASES, 200: signed webhook messages and form posts per test).
# `make test` runs the same files bounded (100 cases per operation, fixed seed).
fuzz: setup
	@SIAGA_PROFILE=test $(PY) -m siaga.infra.dev.stack up --fresh
	@SIAGA_PROFILE=test SIAGA_FUZZ_CASES=$(or $(FUZZ_CASES),1000) SIAGA_FUZZ_FORM_CASES=$(or $(FUZZ_FORM_CASES),200) \
	  SIAGA_FUZZ_RANDOM=1 $(PY) -m pytest -q -p no:cacheprovider --timeout=3600 tests/fuzz; rc=$$?; \
	  SIAGA_PROFILE=test $(PY) -m siaga.infra.dev.stack down >/dev/null; exit $$rc

bench: setup
	@SIAGA_PROFILE=bench API_PORT=38000 SIAGA_BROKER_PORT=39092 SIAGA_PG_PORT=55434 \
	  SIAGA_TWILIO_PORT=38080 SIAGA_PAY_PORT=38090 FAUST_WEB_PORT=36066 SIAGA_WORKERS=2 $(PY) -m bench.run

# Memory over a long run (not in make test): SOAK_MINUTES (30) of steady load on a stack of its
# own, RSS per process every minute, into the Soak section of docs/benchmarks.md.
soak: setup
	@SIAGA_PROFILE=soak API_PORT=48000 SIAGA_BROKER_PORT=49092 SIAGA_PG_PORT=55435 \
	  SIAGA_TWILIO_PORT=48080 SIAGA_PAY_PORT=48090 FAUST_WEB_PORT=46066 SIAGA_WORKERS=2 \
	  PRUNE_AFTER_S=$(or $(PRUNE_AFTER_S),300) $(PY) -m bench.soak

# Message understanding against the labelled fixtures (tests/fixtures/): needs micro-F1, places,
# non-requests taken as requests, requests lost, time per message.
eval: python
	@$(PY) -m bench.eval_text

# Regenerate the generated word tables (core/text/lexicons/skeletons.tsv, ordinary_words.tsv)
# from wordfreq, installed apart from the runtime (.siaga/tools).
lexicon: python
	@$(PY) -m pip install -q --target .siaga/tools "wordfreq==3.1.1"
	@PYTHONPATH=.siaga/tools:. $(PY) -m data.lexicon.build_tables

schemas: python
	@$(PY) -m siaga.schemas.export

# The first admin of the coordinators' map: `make create-admin ADMIN=name` (asks for the password,
# or takes SIAGA_ADMIN_PASSWORD). Uses the running stack's database (make up / make run).
.PHONY: create-admin
create-admin: python
	@$(PY) -m siaga.services.auth.create_admin --username $(or $(ADMIN),admin)

# A local three-broker Kafka cluster (KRaft, replication 3, min.insync 2) in .siaga/cluster/,
# started in the background (infra/dev/cluster.py). The fault test in tests/cluster/ uses the same
# ports and folder, from empty: stop this one (make cluster-stop) before make test, which wipes it.
.PHONY: cluster cluster-stop
cluster: kafka
	@$(PY) -m siaga.infra.dev.cluster up
	@echo "Point Siaga at it (any make target or python -m siaga.infra.dev.stack command):"
	@echo "  KAFKA_BOOTSTRAP_SERVERS=$$($(PY) -m siaga.infra.dev.cluster bootstrap) KAFKA_REPLICATION_FACTOR=3 KAFKA_MIN_INSYNC_REPLICAS=2 make run"

cluster-stop:
	@$(PY) -m siaga.infra.dev.cluster down
