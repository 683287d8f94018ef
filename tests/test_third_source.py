"""A third database source is files only: YAML, its SQL templates, its checks, its core table's migration.

``tests/fixtures/crm2`` holds them (see its README); each test lays them over a copy of the project's
``include/`` and ``sql/`` in a temporary project (``PARTNER_SYNC_PROJECT_DIR``), gives ``crm2`` its own small
database on the embedded server, and runs it as a user would: the CLI, and ``dag.test()`` of the DAG the DAG
file generates for it. No Python knows the name ``crm2``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "crm2"
EXE = str(Path(sys.executable).parent / "partner_sync")
pytestmark = pytest.mark.db


@pytest.fixture
def crm2(tmp_path, make_db) -> dict:
    """The temporary project with crm2 added, its source database and a fresh warehouse (not migrated)."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "include", project / "include")
    shutil.copytree(ROOT / "sql", project / "sql")
    shutil.copytree(FIXTURE / "include", project / "include", dirs_exist_ok=True)
    shutil.copytree(FIXTURE / "sql", project / "sql", dirs_exist_ok=True)
    source, warehouse = make_db("crm2_src"), make_db("crm2_wh")
    with psycopg.connect(source, autocommit=True) as conn:
        conn.execute((FIXTURE / "source.sql").read_text())
    env = {"PARTNER_SYNC_PROJECT_DIR": str(project), "PARTNER_SYNC_HOME": str(ROOT / ".local" / "test"),
           "AIRFLOW_CONN_WAREHOUSE_DB": warehouse, "AIRFLOW_CONN_CRM2_DB": source,
           "PARTNER_SYNC_POOL_MIN": "1", "PARTNER_SYNC_POOL_MAX": "4", "PARTNER_SYNC_RETRY_BASE_DELAY": "0.05"}
    return {"project": project, "source": source, "warehouse": warehouse, "env": env}


def cli(crm2: dict, *args: str, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_")}
    proc = subprocess.run([EXE, *args], capture_output=True, text=True, timeout=300,
                          env={**env, **crm2["env"], **extra})
    return proc


def ok(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 0, f"{proc.args} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    return proc.stdout


def query(url: str, q: str, params=None) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(q, params).fetchall()


def test_no_python_names_the_third_source():
    plugins = ROOT / "plugins" / "partner_sync"
    assert not [p for p in plugins.rglob("*.py") if "crm2" in p.read_text()]


def test_a_third_source_syncs_through_the_cli(crm2):
    """Its connection id, its override variables and its tables come from its YAML alone."""
    assert "applied" in ok(cli(crm2, "migrate")) and query(crm2["warehouse"], "SELECT to_regclass('core.crm2_deals')")
    out = ok(cli(crm2, "sync", "crm2"))
    assert "crm2_deals" in out and "crm2_companies" in out and "job " in out and out.strip().endswith("success")
    assert query(crm2["warehouse"], "SELECT count(*) FROM raw.crm2_deals") == [(24,)]
    assert query(crm2["warehouse"], "SELECT count(*) FROM raw.crm2_companies") == [(5,)]
    # the override variable its YAML names is read and checked like the built-in sources' ones
    bad = cli(crm2, "sync", "crm2", PARTNER_SYNC_CRM2_MODE="carrier_pigeon")
    assert bad.returncode == 2 and "PARTNER_SYNC_CRM2_MODE='carrier_pigeon' must be one of" in bad.stderr
    # its connection is named when it is missing
    no_conn = cli(crm2, "sync", "crm2", AIRFLOW_CONN_CRM2_DB="")
    assert no_conn.returncode == 2 and "connection 'crm2_db' is not configured" in no_conn.stderr
    assert "AIRFLOW_CONN_CRM2_DB" in no_conn.stderr


@pytest.mark.slow
def test_a_third_source_runs_all_five_stages_and_is_searchable(crm2):
    """``partner_sync run crm2``: raw, its core table (column lists from the catalog), its checks, its
    embeddings; ``search --entity crm2`` finds its deals by meaning."""
    from partner_sync.config import load_settings
    from partner_sync.migrations import migrate, migration_params

    # the warehouse migrated in-process (`partner_sync migrate` of this project: test_a_third_source_syncs_through_the_cli)
    settings = load_settings({**{k: v for k, v in os.environ.items() if k.startswith("PARTNER_SYNC_EMBEDDING")},
                              **crm2["env"]}, dotenv=False)
    assert settings.sql_dir == crm2["project"] / "sql"
    assert migrate(crm2["warehouse"], settings.sql_dir, migration_params(settings))
    out = ok(cli(crm2, "run", "crm2"))
    assert out.strip().endswith("success"), out
    wh = crm2["warehouse"]
    assert query(wh, "SELECT count(*), count(company_name) FROM core.crm2_deals") == [(24, 24)]
    [(status, stages)] = query(wh, "SELECT status, config->'stages' FROM ops.sync_jobs")
    assert status == "success" and set(stages) == {"extract", "raw_load", "transform", "validate", "embed"}
    assert stages["validate"]["checks"] == 3 and stages["validate"]["failed_error"] == []
    assert query(wh, "SELECT count(*) FROM search.embeddings WHERE source_table = 'crm2_deals'") == [(48,)]
    hits = json.loads(ok(cli(crm2, "search", "moving an Oracle database to Aurora", "--entity", "crm2", "--k", "3",
                             "--json")))
    assert [h["entity"] for h in hits] == ["crm2"] * 3
    assert "Oracle to Aurora" in hits[0]["text"] and " / " in hits[0]["label"]
    unknown = cli(crm2, "search", "anything", "--entity", "crm3")
    assert unknown.returncode == 2 and "unknown entity 'crm3'" in unknown.stderr and "crm2" in unknown.stderr


# -- dag.test() of the generated crm2_sync DAG ----------------------------------------------------------------
from test_dags import _run, airflow_env, airflow_metadata_db  # noqa: E402,F401  (fixtures and the runner)


@pytest.mark.slow
@pytest.mark.airflow
def test_the_dag_file_builds_and_runs_the_third_sources_dag(airflow_env, crm2, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    from partner_sync.config import get_config, load_settings
    from partner_sync.migrations import migrate, migration_params

    for key, value in crm2["env"].items():
        monkeypatch.setenv(key, value)
    for key in ("AIRFLOW_CONN_ODOO_DB", "AIRFLOW_CONN_APN_DB"):
        monkeypatch.delenv(key, raising=False)
    get_config.cache_clear()
    try:
        settings = load_settings(dotenv=False)
        assert settings.include_dir == crm2["project"] / "include"
        migrate(crm2["warehouse"], settings.sql_dir, migration_params(settings))
        bag = DagBag(dag_folder=str(ROOT / "dags"))
        assert bag.import_errors == {} and "crm2_sync" in bag.dag_ids
        dr = _run("crm2_sync")
        assert dr.state == DagRunState.SUCCESS
        wh = crm2["warehouse"]
        [(source, status, stages, airflow)] = query(
            wh, "SELECT source_system, status, config->'stages', config->'airflow' FROM ops.sync_jobs")
        assert (source, status) == ("crm2", "success") and airflow["dag_id"] == "crm2_sync"
        assert set(stages["raw_load"]["tables"]) == {"companies", "deals"}
        assert query(wh, "SELECT count(*) FROM core.crm2_deals") == [(24,)]
        assert query(wh, "SELECT count(*) FROM search.embeddings WHERE source_table = 'crm2_deals'") == [(48,)]
    finally:
        get_config.cache_clear()
