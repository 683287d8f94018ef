"""Declarative checks: pass on clean demo data, fail with the right counts on seeded bad data."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import pytest
import yaml

from partner_sync.checks import ChecksFailed, load_checks, run_checks
from partner_sync.source_defs import load_source

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def env(demo_env):
    demo_env.run("odoo", stages=("extract", "raw_load", "transform", "validate"))
    demo_env.run("apn", stages=("extract", "raw_load", "transform", "validate"))
    return demo_env


def _results(env, job):
    return {r[0].split(": ")[0]: r[1:] for r in env.query(
        "SELECT check_description, passed, records_checked, records_failed, failure_details "
        "FROM ops.data_quality_checks WHERE sync_job_id = %s", (job,))}


def test_clean_demo_data_passes_every_error_check(env):
    for source in ("odoo", "apn"):
        job = env.query("SELECT job_id FROM ops.sync_jobs WHERE source_system = %s ORDER BY started_at DESC LIMIT 1",
                        (source,))[0][0]
        results = _results(env, job)
        assert len(results) == len(load_checks(env.settings.include_dir, source))
        failed_errors = [n for n, (passed, _, _, d) in results.items() if not passed and d["severity"] == "error"]
        assert failed_errors == []
        assert env.query("SELECT status FROM ops.sync_jobs WHERE job_id = %s", (job,))[0][0] == "success"


def test_findings_on_malformed_aws_account_ids_are_warnings_with_samples(env):
    job = env.query("SELECT job_id FROM ops.sync_jobs WHERE source_system = 'odoo' ORDER BY started_at DESC "
                    "LIMIT 1")[0][0]
    passed, checked, failed, details = _results(env, job)["raw.odoo_c_aws_accounts.account_id.format"]
    bad = env.query("SELECT count(*) FROM c_aws_accounts WHERE account_id !~ '^[0-9]{12}$'", url=env.odoo)[0][0]
    assert (passed, failed, details["severity"]) == (False, bad, "warn") and bad > 0
    assert len(details["sample_keys"]) == min(bad, 20)


def test_bad_data_fails_with_correct_counts(env, tmp_path):
    odoo = env.odoo
    ids = [r[0] for r in env.query("SELECT id FROM crm_lead WHERE partner_id IS NOT NULL ORDER BY id LIMIT 3",
                                   url=odoo)]
    env.execute(odoo, "ALTER TABLE crm_lead DROP CONSTRAINT IF EXISTS crm_lead_partner_id_fkey",
                "ALTER TABLE crm_lead DROP CONSTRAINT IF EXISTS crm_lead_check_probability",
                f"UPDATE crm_lead SET partner_id = 987654, write_date = now() WHERE id IN ({ids[0]}, {ids[1]})",
                f"UPDATE crm_lead SET probability = 150, write_date = now() WHERE id = {ids[2]}")
    with pytest.raises(ChecksFailed) as err:
        env.run("odoo", stages=("extract", "raw_load", "transform", "validate"))
    assert "core.odoo_opportunities.probability.range (1 of" in str(err.value)
    job = env.query("SELECT job_id FROM ops.sync_jobs ORDER BY started_at DESC LIMIT 1")[0][0]
    results = _results(env, job)
    with_partner = env.query("SELECT count(*) FROM crm_lead WHERE partner_id IS NOT NULL", url=odoo)[0][0]
    passed, checked, failed, details = results["core.odoo_opportunities.partner_id.resolution"]
    assert (checked, failed) == (with_partner, 2)
    assert passed == ((with_partner - 2) / with_partner >= 0.99)
    assert details["sample_keys"] == [str(ids[0]), str(ids[1])]
    passed, checked, failed, details = results["core.odoo_opportunities.probability.range"]
    assert (passed, failed, details["sample_keys"]) == (False, 1, [f"{ids[2]}=150.00"])
    status, error = env.query("SELECT status, error_message FROM ops.sync_jobs WHERE job_id = %s", (job,))[0]
    assert status == "failed" and "data-quality check(s) failed" in error
    env.execute(odoo, f"UPDATE crm_lead SET probability = 50, partner_id = NULL, write_date = now() "
                      f"WHERE id IN ({ids[0]}, {ids[1]}, {ids[2]})")
    env.run("odoo", stages=("extract", "raw_load", "transform", "validate"))


def test_each_check_type_counts_exactly(env, tmp_path):
    env.execute(env.wh, "DROP TABLE IF EXISTS public.qc",
                "CREATE TABLE public.qc (id int, name text, code text, pct numeric, ref int)",
                "INSERT INTO public.qc VALUES (1, 'a', 'AB12', 10, 1), (2, NULL, 'bad', 50, 2), (3, 'c', 'CD34', 101, 3),"
                " (3, 'd', NULL, -1, NULL), (5, NULL, 'EF56', NULL, 5)")
    include = tmp_path / "include"
    shutil.copytree(env.settings.include_dir, include)
    (include / "checks" / "odoo.yml").write_text(yaml.safe_dump({"source": "odoo", "checks": [
        {"name": "nn", "type": "not_null", "table": "public.qc", "column": "name", "key": "id"},
        {"name": "uq", "type": "unique", "table": "public.qc", "columns": ["id"], "key": "id"},
        {"name": "fmt", "type": "format", "table": "public.qc", "column": "code", "key": "id",
         "pattern": "^[A-Z]{2}[0-9]{2}$", "severity": "warn"},
        {"name": "rng", "type": "range", "table": "public.qc", "column": "pct", "key": "id", "min": 0, "max": 100},
        {"name": "quar", "type": "quarantine", "max": 0},
    ]}))
    settings = replace(env.settings, project_dir=include.parent)
    results = {r.name: r for r in run_checks(settings, load_source(settings.include_dir, "odoo"), None)}
    assert (results["nn"].checked, results["nn"].failed, results["nn"].details["sample_keys"]) == (5, 2, ["2", "5"])
    assert (results["uq"].checked, results["uq"].failed, results["uq"].details["sample_keys"]) == (5, 2, ["3"])
    assert (results["fmt"].checked, results["fmt"].failed, results["fmt"].passed) == (4, 1, False)
    assert results["fmt"].details["sample_keys"] == ["2=bad"]
    assert (results["rng"].checked, results["rng"].failed) == (4, 2)
    assert results["quar"].passed
    rows = env.query("SELECT check_type, passed, records_checked, records_passed, records_failed FROM "
                     "ops.data_quality_checks WHERE table_name = 'public.qc' ORDER BY check_type")
    assert ("not_null", False, 5, 3, 2) in rows and ("range", False, 4, 2, 2) in rows


def test_report_cli_reads_back(env, capsys):
    from partner_sync.cli import main
    import os

    old = {k: os.environ.get(k) for k in env.env}
    os.environ.update(env.env)
    from partner_sync.config import get_config

    get_config.cache_clear()
    try:
        assert main(["report", "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["job"]["source_system"] in ("odoo", "apn") and out["checks"]
        assert main(["report"]) == 0
        assert "checks," in capsys.readouterr().out
        # issue 11: the newest job of each source, and a warning is not "failed"
        assert main(["report", "--json"]) == 0
        jobs = json.loads(capsys.readouterr().out)["jobs"]
        newest = {s: env.query("SELECT job_id::text FROM ops.sync_jobs WHERE source_system = %s "
                               "ORDER BY started_at DESC LIMIT 1", (s,))[0][0] for s in ("odoo", "apn")}
        assert {j["job"]["source_system"]: str(j["job"]["job_id"]) for j in jobs} == newest
        assert main(["report"]) == 0
        text = capsys.readouterr().out
        for source, job_id in newest.items():
            assert f"{source}: job {job_id}" in text
        odoo = next(j for j in jobs if j["job"]["source_system"] == "odoo")
        warns = sum(1 for c in odoo["checks"] if c["passed"] is False
                    and c["failure_details"]["severity"] == "warn")
        fails = sum(1 for c in odoo["checks"] if c["passed"] is False
                    and c["failure_details"]["severity"] == "error")
        assert warns >= 1  # the demo's malformed AWS account ids
        assert odoo["summary"]["warnings"] == warns and odoo["summary"]["failed"] == fails
        assert f"{fails} failed, {warns} warning{'' if warns == 1 else 's'}," in text
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        get_config.cache_clear()


def test_source_checks_compare_with_the_source_as_of_the_run_upper_bound(env):
    """A run that read up to T passes row_count and freshness although the source changed after T (a backfill
    of last week while today's edits exist); compared with the source as it is now, both fail."""
    from datetime import datetime, timedelta, timezone

    source = load_source(env.settings.include_dir, "odoo")
    env.run("odoo", stages=("extract", "raw_load", "transform"))  # raw holds the source as it is now
    as_of = datetime.now(timezone.utc) - timedelta(seconds=1)
    newest = env.query("SELECT max(id) FROM crm_lead", url=env.odoo)[0][0]
    env.execute(env.odoo,
                f"UPDATE crm_lead SET name = 'edited after the bound', write_date = now() AT TIME ZONE 'UTC' "
                f"WHERE id = {newest}",
                "CREATE TEMP TABLE new_lead AS SELECT * FROM crm_lead ORDER BY id LIMIT 1",
                "UPDATE new_lead SET id = (SELECT max(id) + 1 FROM crm_lead), create_date = now() AT TIME ZONE 'UTC', "
                "write_date = now() AT TIME ZONE 'UTC'",
                "INSERT INTO crm_lead SELECT * FROM new_lead")
    names = ("core.odoo_opportunities.row_count", "raw.odoo_crm_lead.freshness")
    try:
        as_of_bound = {r.name: r for r in run_checks(env.settings, source, None, as_of=as_of) if r.name in names}
        now = {r.name: r for r in run_checks(env.settings, source, None) if r.name in names}
        later = {r.name: r for r in run_checks(env.settings, source, None,
                                                as_of=datetime.now(timezone.utc) + timedelta(hours=1))
                 if r.name in names}
    finally:
        env.execute(env.odoo, f"DELETE FROM crm_lead WHERE id = {newest + 1}")
    assert {n: r.passed for n, r in as_of_bound.items()} == dict.fromkeys(names, True), as_of_bound
    assert as_of_bound[names[0]].details["as_of"] == as_of.isoformat()
    # without a bound (or with one after the edits) the source's newer rows are missing from raw: both fail
    assert {n: r.passed for n, r in now.items()} == dict.fromkeys(names, False)
    assert {n: r.passed for n, r in later.items()} == dict.fromkeys(names, False)
    assert now[names[0]].details["source"] == now[names[0]].details["raw"] + 1
    assert later[names[1]].details["source_rows_newer_than_raw"] == 2
