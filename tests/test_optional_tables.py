"""A standard Odoo 17 without the partner's custom AWS module (issue #14): no c_* tables, no c_* or Studio
columns. `partner_sync run odoo` skips the module's tables with the reason in the job, builds
core.odoo_opportunities from the standard tables (AWS columns NULL), and the checks pass on real counts; a
core target that cannot be built fails its stage, and raw rows with an empty core fail the row-count check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from partner_sync.checks import run_checks
from partner_sync.source_defs import load_source
from partner_sync.transform import TransformError

pytestmark = pytest.mark.db
CUSTOM_TABLES = ["c_aws_accounts", "c_aws_funding_request", "c_billing_spp_bill", "c_billing_internal_cur",
                 "c_billing_bill", "c_billing_bill_line"]


@pytest.fixture(scope="module")
def vanilla(demo_env):
    """The demo Odoo made standard: the custom module's tables and columns and the Studio fields dropped."""
    env = demo_env
    with psycopg.connect(env.odoo, autocommit=True) as c:
        for table in CUSTOM_TABLES:
            c.execute(f"DROP TABLE {table} CASCADE")
        for table, column in c.execute(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
                "AND (column_name LIKE 'c\\_%' OR column_name LIKE 'x\\_studio\\_%')").fetchall():
            c.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}" CASCADE')
    return env


def _cli(env, *args: str) -> subprocess.CompletedProcess:
    exe = str(Path(sys.executable).parent / "partner_sync")
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **env.env})


def _newest_job(env) -> tuple:
    return env.query("SELECT job_id, status, config FROM ops.sync_jobs ORDER BY started_at DESC LIMIT 1")[0]


def _raw_images(env) -> dict[str, str]:
    tables = [r[0] for r in env.query("SELECT tablename FROM pg_tables WHERE schemaname = 'raw' ORDER BY 1")]
    return {t: env.query(f"SELECT md5(string_agg(r::text, '|' ORDER BY r._raw_id)) FROM raw.{t} r")[0][0]
            for t in tables}


def test_run_odoo_on_a_standard_odoo(vanilla):
    env = vanilla
    leads = env.query("SELECT count(*) FROM crm_lead WHERE active IS NOT FALSE OR active IS FALSE", url=env.odoo)[0][0]
    assert leads > 0
    # before: extract stopped with "table(s) not found at the source: c_aws_accounts, ..."
    run = _cli(env, "run", "odoo")
    assert run.returncode == 0, run.stdout + run.stderr
    job_id, status, config = _newest_job(env)
    assert status in ("success", "partial"), config
    stages = config["stages"]
    skipped = stages["extract"]["skipped"]
    assert sorted(skipped) == sorted(CUSTOM_TABLES)
    assert skipped["c_aws_accounts"].startswith("optional table c_aws_accounts not found at the source")
    targets = stages["transform"]["targets"]
    assert targets["core.aws_accounts"]["mode"].startswith("skipped: raw.odoo_c_aws_accounts is absent")
    # before: skipped with a warning, 0 core rows, every check green
    assert env.query("SELECT count(*), count(aws_account_id), count(origination), count(name) "
                     "FROM core.odoo_opportunities") == [(leads, 0, 0, leads)]
    checks = dict(env.query("SELECT check_description, passed FROM ops.data_quality_checks WHERE sync_job_id = %s",
                            (job_id,)))
    row_count = [passed for name, passed in checks.items() if name.startswith("raw.odoo_crm_lead.row_count")
                 or "row_count" in name]
    assert row_count == [True], checks
    assert stages["validate"]["failed_error"] == []
    assert stages["embed"]["totals"]["texts"] >= 2 * leads  # the opportunities are searchable too

    # a rerun changes nothing: raw byte for byte, core the same
    images = _raw_images(env)
    again = _cli(env, "run", "odoo")
    assert again.returncode == 0, again.stdout + again.stderr
    assert _raw_images(env) == images
    assert env.query("SELECT count(*) FROM core.odoo_opportunities") == [(leads,)]


def test_a_core_target_missing_a_required_input_fails_its_stage(vanilla):
    env = vanilla
    before = env.query("SELECT md5(string_agg(o::text, '|' ORDER BY source_id)) FROM core.odoo_opportunities o")
    env.execute(env.wh, "ALTER TABLE raw.odoo_crm_team RENAME TO odoo_crm_team_away")
    try:
        with pytest.raises(TransformError, match=r"core\.odoo_opportunities cannot be built: raw\.odoo_crm_team "
                                                 r"not loaded"):
            env.run("odoo", stages=("transform",), full_refresh=True)
        _, status, config = _newest_job(env)
        assert status == "failed" and config["stages"]["transform"]["status"] == "failed"
        assert env.query("SELECT md5(string_agg(o::text, '|' ORDER BY source_id)) "
                         "FROM core.odoo_opportunities o") == before
    finally:
        env.execute(env.wh, "ALTER TABLE raw.odoo_crm_team_away RENAME TO odoo_crm_team")


def test_row_count_fails_when_raw_has_rows_and_core_none(vanilla):
    env = vanilla
    source = load_source(env.settings.include_dir, "odoo")
    job_id = env.run("odoo", stages=())[0]
    env.execute(env.wh, "CREATE TABLE public.kept AS SELECT * FROM core.odoo_opportunities",
                "DELETE FROM core.odoo_opportunities")
    try:
        # as the old transform recorded it ("skipped: ... not loaded yet"): its checks were all skipped
        results = run_checks(env.settings, source, job_id,
                             skip_tables={"core.odoo_opportunities": "skipped: raw.odoo_c_aws_accounts not loaded yet"})
        row_count = [r for r in results if r.check_type == "row_count"]
        assert [(r.passed, r.details["core"]) for r in row_count] == [(False, 0)]
        assert row_count[0].details["raw"] > 0
    finally:
        env.execute(env.wh, "INSERT INTO core.odoo_opportunities SELECT * FROM public.kept", "DROP TABLE public.kept")
