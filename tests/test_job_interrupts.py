"""A run that is killed never stays ``running``: SIGTERM (or Ctrl-C) closes its job as ``failed``; after a kill -9
the sweeper (maintenance, and every job start) marks it ``abandoned`` once PARTNER_SYNC_JOB_TIMEOUT has passed,
and pruning can then remove it.

The runs are real ``partner_sync sync`` processes, held mid-run by a lock on the source table, then killed.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXE = str(Path(sys.executable).parent / "partner_sync")
pytestmark = pytest.mark.db


@pytest.fixture
def env(make_db):
    from partner_sync.config import load_settings
    from partner_sync.migrations import migrate, migration_params

    wh, src = make_db("wh_kill"), make_db("odoo_kill")
    with psycopg.connect(src, autocommit=True) as conn:
        conn.execute("CREATE TABLE crm_team (id integer PRIMARY KEY, name jsonb, write_date timestamp)")
        conn.execute("INSERT INTO crm_team SELECT g, jsonb_build_object('en_US', 'Team ' || g), "
                     "now() - interval '1 day' FROM generate_series(1, 20) g")
    env = {"AIRFLOW_CONN_WAREHOUSE_DB": wh, "AIRFLOW_CONN_ODOO_DB": src, "PARTNER_SYNC_POOL_MIN": "1",
           "PARTNER_SYNC_RETRY_BASE_DELAY": "0.05", "PARTNER_SYNC_HOME": str(ROOT / ".local" / "test")}
    migrate(wh, ROOT / "sql", migration_params(load_settings({**env, "PARTNER_SYNC_EMBEDDING_DIM": "384"},
                                                             dotenv=False)))
    return {**os.environ, **env, "_wh": wh, "_src": src}


def _start_blocked_sync(env: dict) -> tuple[subprocess.Popen, psycopg.Connection]:
    """A `partner_sync sync odoo --tables crm_team` waiting on an exclusive lock the test holds on crm_team."""
    holder = psycopg.connect(env["_src"])
    holder.execute("LOCK TABLE crm_team IN ACCESS EXCLUSIVE MODE")
    proc = subprocess.Popen([EXE, "sync", "odoo", "--tables", "crm_team"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    with psycopg.connect(env["_src"], autocommit=True) as watch:
        while time.monotonic() < deadline:
            waiting = watch.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                    "AND wait_event_type = 'Lock'").fetchone()[0]
            if waiting:
                break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.1)
        else:
            proc.kill()
            raise AssertionError("the sync never reached the locked table")
    return proc, holder


def _jobs(env: dict) -> list[tuple]:
    with psycopg.connect(env["_wh"]) as conn:
        return conn.execute("SELECT job_id, status, error_message, error_details FROM ops.sync_jobs "
                            "ORDER BY started_at").fetchall()


def _cli(env: dict, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([EXE, *args], env={**env, **extra}, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("signum, code, how", [(signal.SIGTERM, 143, "SIGTERM"), (signal.SIGINT, 130, "Ctrl-C")])
def test_a_signal_during_a_blocking_database_call_marks_the_job_failed(env, signum, code, how):
    proc, holder = _start_blocked_sync(env)  # the main thread sits inside libpq, waiting for the lock
    assert [j[1] for j in _jobs(env)] == ["running"]
    proc.send_signal(signum)
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        holder.close()
    assert proc.returncode == code, err
    assert f"interrupted by {how}" in err and "Traceback" not in err
    [(_, status, error, details)] = _jobs(env)
    assert status == "failed"
    assert error == f"raw_load: interrupted by {details['signal']}" and how in error
    assert details["kind"] == "interrupted" and details["closed_by"] == "cli"


def test_sigterm_while_the_run_waits_in_python_unwinds_the_stage(env):
    """The source is unreachable: the run sleeps between connection retries, where Python handles the signal
    at once; the stage unwinds, journals the interruption and the command exits 143."""
    env = {**env, "AIRFLOW_CONN_ODOO_DB": "postgresql://nobody@127.0.0.1:1/odoo", "PARTNER_SYNC_RETRY_ATTEMPTS": "60",
           "PARTNER_SYNC_RETRY_BASE_DELAY": "1"}
    proc = subprocess.Popen([EXE, "sync", "odoo", "--tables", "crm_team"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not _jobs(env) and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert "interrupted by SIGTERM; a running job was marked failed" in err and "Traceback" not in err
    [(_, status, error, details)] = _jobs(env)
    assert status == "failed" and error == "extract: interrupted by SIGTERM" and details["signal"] == "SIGTERM"


def test_kill_9_leaves_running_until_the_sweeper_marks_it_abandoned_then_pruning_removes_it(env):
    proc, holder = _start_blocked_sync(env)
    proc.kill()
    proc.wait(timeout=30)
    holder.close()
    [(killed, status, _, _)] = _jobs(env)
    assert status == "running"  # nothing could close it: the process is gone

    # the default timeout (12h) keeps it: a long run is not abandoned
    out = _cli(env, "maintenance", "--skip-vacuum")
    assert out.returncode == 0, out.stderr
    assert [j[1] for j in _jobs(env)] == ["running"]

    time.sleep(1.2)
    out = _cli(env, "maintenance", "--skip-vacuum", PARTNER_SYNC_JOB_TIMEOUT="1s")
    assert out.returncode == 0, out.stderr
    assert str(killed) in out.stdout
    [(_, status, error, details)] = _jobs(env)
    assert status == "abandoned" and "its process is gone" in error and details["closed_by"] == "sweeper"

    # an abandoned job is pruned like any finished one (a running one never is)
    with psycopg.connect(env["_wh"]) as conn:
        conn.execute("UPDATE ops.sync_jobs SET created_at = created_at - interval '10 days'")
    out = _cli(env, "maintenance", "--skip-vacuum", "--prune-days", "5")
    assert out.returncode == 0, out.stderr
    assert _jobs(env) == []


def test_the_next_job_start_sweeps_a_killed_run(env):
    proc, holder = _start_blocked_sync(env)
    proc.kill()
    proc.wait(timeout=30)
    holder.close()
    time.sleep(1.2)
    out = _cli(env, "sync", "odoo", "--tables", "crm_team", PARTNER_SYNC_JOB_TIMEOUT="1s")
    assert out.returncode == 0, out.stderr
    assert [j[1] for j in _jobs(env)] == ["abandoned", "success"]
