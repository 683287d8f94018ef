"""CLI input a user can get wrong: each is refused with a clear message before any work (or model load) starts.

Every case runs the real console script in a subprocess, as a user types it.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXE = str(Path(sys.executable).parent / "partner_sync")


def cli(*args, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PARTNER_SYNC_HOME": str(ROOT / ".local" / "test"), "PARTNER_SYNC_POOL_MIN": "1",
                "PARTNER_SYNC_RETRY_BASE_DELAY": "0.05", **(env or {})}
    return subprocess.run([EXE, *args], capture_output=True, env=full_env, timeout=120)


# a model that does not exist: had the command loaded it, the error would name it instead of the input
NO_MODEL = {"PARTNER_SYNC_EMBEDDING_MODEL": "no-such/model-at-all",
            "AIRFLOW_CONN_WAREHOUSE_DB": "postgresql://nobody@127.0.0.1:1/nowhere"}


@pytest.mark.parametrize("k", ["0", "-3", "1001", "many"])
def test_search_k_out_of_range_is_refused_before_the_model_loads(k):
    proc = cli("search", "oracle migration", "--k", k, env=NO_MODEL)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert "--k" in err and "1 and 1000" in err
    assert "no-such/model-at-all" not in err and "Traceback" not in err


def test_search_text_that_is_not_utf8_gets_a_clear_message():
    proc = cli("search", b"caf\xe9 \xff migration", env=NO_MODEL)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert "not valid UTF-8" in err and "Traceback" not in err
    assert "no-such/model-at-all" not in err


@pytest.mark.parametrize("command", ["run", "sync"])
@pytest.mark.parametrize("tables", [",", " , ,", ""])
def test_empty_table_list_is_an_error(command, tables):
    proc = cli(command, "odoo", "--tables", tables, env=NO_MODEL)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert "--tables" in err and "at least one table" in err


@pytest.mark.parametrize("days", ["0", "-1"])
def test_maintenance_prune_days_below_one_is_refused_not_replaced_by_the_default(days):
    proc = cli("maintenance", "--skip-vacuum", "--prune-days", days, env=NO_MODEL)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert "--prune-days" in err and "at least 1" in err


@pytest.mark.db
def test_report_of_an_unknown_job_says_it_does_not_exist(db_url):
    from partner_sync.config import load_settings
    from partner_sync.migrations import migrate, migration_params

    env = {"AIRFLOW_CONN_WAREHOUSE_DB": db_url}
    migrate(db_url, ROOT / "sql", migration_params(load_settings({**env, "PARTNER_SYNC_EMBEDDING_DIM": "384"},
                                                                 dotenv=False)))
    missing = str(uuid.uuid4())
    for extra in ([], ["--json"]):
        proc = cli("report", "--job", missing, *extra, env=env)
        err = proc.stderr.decode()
        assert proc.returncode == 3, err
        assert f"job {missing} does not exist" in err
    proc = cli("report", "--job", "not-a-job-id", env=env)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert "not a job id" in err and "Traceback" not in err and "invalid input syntax" not in err
    # a job that exists is still reported
    with psycopg.connect(db_url) as conn:
        job = conn.execute("INSERT INTO ops.sync_jobs (source_system, job_type, status, started_at) VALUES "
                           "('odoo', 'incremental', 'success', now()) RETURNING job_id").fetchone()[0]
    proc = cli("report", "--job", str(job), env=env)
    assert proc.returncode == 0, proc.stderr.decode()
    assert str(job) in proc.stdout.decode()
