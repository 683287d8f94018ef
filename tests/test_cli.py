"""The console script as a user runs it: help everywhere, db url, migrate, run with a clear failure."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXE = str(Path(sys.executable).parent / "partner_sync")
COMMANDS = [[], ["db"], ["migrate"], ["seed-demo"], ["run"], ["sync"], ["discover"], ["summary"], ["report"],
            ["alerts", "test"], ["demo"]]


def cli(*args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PARTNER_SYNC_HOME": str(ROOT / ".local" / "test"), "PARTNER_SYNC_POOL_MIN": "1",
                "PARTNER_SYNC_RETRY_BASE_DELAY": "0.05", **(env or {})}
    proc = subprocess.run([EXE, *args], capture_output=True, text=True, env=full_env, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"partner_sync {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
    return proc


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c) or "top")
def test_help_on_every_command(cmd, capsys):
    """In-process (argparse's own output and exit; a Python start-up each cost ~1 s): the installed console script
    runs in every other test here."""
    from partner_sync.cli import main

    with pytest.raises(SystemExit) as done:
        main([*cmd, "--help"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("usage: partner_sync")


@pytest.mark.db
def test_db_url_prints_the_url_on_its_last_line(pg_admin_url):
    assert cli("db", "url").stdout.strip().splitlines()[-1] == pg_admin_url
    up = cli("db", "up").stdout.strip().splitlines()
    assert up[-1] == pg_admin_url
    assert "running" in cli("db", "status").stdout


@pytest.mark.db
def test_migrate_and_run_with_missing_source_tables(db_url, make_db):
    env = {"AIRFLOW_CONN_WAREHOUSE_DB": db_url, "AIRFLOW_CONN_ODOO_DB": make_db("emptyodoo"),
           "AIRFLOW_CONN_APN_DB": make_db("emptyapn")}
    assert "applied 001_schemas.sql" in cli("migrate", env=env).stdout
    assert "up to date" in cli("migrate", env=env).stdout
    proc = cli("run", "odoo", env=env, check=False)
    assert proc.returncode == 1
    assert "table(s) not found at the source: crm_lead, res_partner" in proc.stderr
    assert "c_billing_bill_line" not in proc.stderr  # optional (odoo.yml): absent is skipped, not an error
    with psycopg.connect(db_url) as c:
        status, err, stages = c.execute(
            "SELECT status, error_message, config->'stages' FROM ops.sync_jobs").fetchone()
    assert status == "failed" and err.startswith("extract: source odoo")
    assert stages["extract"]["status"] == "failed"


def test_bad_configuration_is_one_clear_error():
    proc = cli("migrate", env={"AIRFLOW_CONN_WAREHOUSE_DB": "mysql://nope", "PARTNER_SYNC_POOL_MIN": "x"},
               check=False)
    assert proc.returncode == 2
    assert "invalid configuration" in proc.stderr and "PARTNER_SYNC_POOL_MIN" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_matches_and_review_share_one_candidate_table_and_label():
    """`matches` (both sides) renders candidates through one table: ids as typed (no number parsing), one column per
    signal, disagreements only where the side has them; `review` labels opportunities the same way."""
    from partner_sync.cli_search import SIGNAL_COLUMNS, _candidate_table, _label

    assert _label({"name": "Migration", "company": "Acme"}) == "Migration / Acme"
    assert _label({"name": None, "company": "Acme"}) == "Acme" and _label({}) == ""
    evidence = {"cosine_identity": 0.91234, "exact_id": "same", "disagreements": ["close date 40 days apart"]}
    odoo_side = _candidate_table([(1, "O0001000", "Migration / Acme", 0.87654, evidence)]).splitlines()
    assert odoo_side[0].split()[:4] == ["rank", "candidate", "name", "/"] and odoo_side[0].split()[-1] == "disagreements"
    assert odoo_side[2].split()[:2] == ["1", "O0001000"] and "0.8765" in odoo_side[2]
    assert odoo_side[2].rstrip().endswith("close date 40 days apart")
    ace_side = _candidate_table([(1, "007", "Acme", 0.5, None)], disagreements=False).splitlines()
    assert "disagreements" not in ace_side[0] and ace_side[0].split()[-2:] == SIGNAL_COLUMNS[-1][1].split()
    assert ace_side[2].split()[:2] == ["1", "007"]  # a leading-zero id stays as typed
