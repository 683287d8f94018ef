"""Transforms on real raw data: every key resolved to names, idempotent, incremental, traced failures."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from partner_sync.source_defs import TransformDef
from partner_sync.transform import TransformError, transform_target

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def env(demo_env):
    demo_env.run("odoo")
    demo_env.run("apn")
    return demo_env


def opp(env, lead_id: int) -> dict:
    cur_rows = env.query("SELECT row_to_json(o) FROM core.odoo_opportunities o WHERE source_id = %s", (lead_id,))
    return cur_rows[0][0]


def test_every_lead_lands_with_names(env):
    n_leads = env.query("SELECT count(*) FROM crm_lead", url=env.odoo)[0][0]
    assert env.query("SELECT count(*) FROM core.odoo_opportunities") == [(n_leads,)]
    assert env.query("SELECT count(*) FROM core.ace_opportunities")[0][0] == \
        env.query("SELECT count(*) FROM opportunity", url=env.apn)[0][0]
    # no text says None, every combined_text starts the same way
    assert env.query("SELECT count(*) FROM core.odoo_opportunities WHERE combined_text LIKE '%None%' "
                     "OR combined_text NOT LIKE 'Opportunity: %'") == [(0,)]


def test_contact_partner_resolves_to_its_company_and_stage_in_two_languages(env):
    odoo = env.odoo
    company = env.query("SELECT id, name FROM res_partner WHERE is_company AND active ORDER BY id LIMIT 1", url=odoo)[0]
    contact = env.query("SELECT id FROM res_partner WHERE NOT is_company AND parent_id = %s LIMIT 1",
                        (company[0],), url=odoo)
    if not contact:
        env.execute(odoo, f"INSERT INTO res_partner (id, name, type, parent_id, commercial_partner_id, is_company, "
                          f"active, email, write_date, create_date) VALUES (990001, 'Jane Contact', 'contact', "
                          f"{company[0]}, {company[0]}, false, true, 'jane@contact.example', now(), now())")
        contact_id = 990001
    else:
        contact_id = contact[0][0]
    stage = env.query("SELECT id FROM crm_stage ORDER BY id LIMIT 1", url=odoo)[0][0]
    lead = env.query("SELECT id FROM crm_lead ORDER BY id LIMIT 1", url=odoo)[0][0]
    env.execute(odoo,
                f"UPDATE crm_lead SET partner_id = {contact_id}, stage_id = {stage}, write_date = now() WHERE id = {lead}",
                f"""UPDATE crm_stage SET name = '{{"en_US": "Proposal", "fr_FR": "Proposition"}}', write_date = now()
                    WHERE id = {stage}""")
    env.run("odoo")
    row = opp(env, lead)
    assert (row["partner_id"], row["partner_name"]) == (company[0], company[1])
    assert row["stage_name"] == "Proposal"
    from dataclasses import replace

    french = replace(env.settings, language="fr_FR")
    from partner_sync.source_defs import load_source
    from partner_sync.transform import transform_source

    transform_source(french, load_source(env.settings.include_dir, "odoo"), job_id=_job(env), full=True)
    assert opp(env, lead)["stage_name"] == "Proposition"
    transform_source(env.settings, load_source(env.settings.include_dir, "odoo"), job_id=_job(env), full=True)


def _job(env):
    return env.run("odoo", stages=())[0]


def _as_a_load(update: str) -> str:
    """``UPDATE raw.odoo_crm_lead <update>`` as a raw load writes it: in a batch of its own (ops.raw_batches),
    which is how the incremental transform finds the change."""
    return ("WITH b AS (INSERT INTO ops.raw_batches (batch_id, source_system, table_name) "
            "VALUES (gen_random_uuid(), 'odoo', 'crm_lead') RETURNING batch_id) "
            "UPDATE raw.odoo_crm_lead SET _ingested_at = now(), _sync_batch_id = (SELECT batch_id FROM b), "
            + update.removeprefix("SET "))


def test_missing_stage_and_payer_chain(env):
    odoo = env.odoo
    lead, acc = env.query("SELECT l.id, l.c_aws_account_id FROM crm_lead l JOIN c_aws_accounts a ON "
                          "a.id = l.c_aws_account_id WHERE a.payer_account_id IS NOT NULL ORDER BY l.id LIMIT 1",
                          url=odoo)[0]
    payer_id, payer_name = env.query("SELECT p.account_id, p.name FROM c_aws_accounts a JOIN c_aws_accounts p "
                                     "ON p.id = a.payer_account_id WHERE a.id = %s", (acc,), url=odoo)[0]
    # a dangling reference (a stage deleted by raw SQL): the name is missing, nothing else breaks
    env.execute(odoo, "ALTER TABLE crm_lead DROP CONSTRAINT IF EXISTS crm_lead_stage_id_fkey",
                f"UPDATE crm_lead SET stage_id = 424242, write_date = now() WHERE id = {lead}")
    env.run("odoo")
    row = opp(env, lead)
    assert row["stage_name"] is None and row["stage_id"] is None  # unresolved ids are not carried
    assert "Stage:" not in row["combined_text"]
    assert row["aws_payer_account_name"] == payer_name
    assert row["aws_payer_account_id"] == payer_id.replace("-", "").strip()
    acc_row = env.query("SELECT payer_account_name, is_payer FROM core.aws_accounts WHERE account_id = %s",
                        (row["aws_account_id"],))
    assert acc_row and acc_row[0][0] == payer_name


def test_rerun_changes_nothing(env):
    before = env.query("SELECT source_id, updated_at FROM core.odoo_opportunities ORDER BY 1")
    log_before = env.query("SELECT count(*) FROM ops.transformation_log")[0][0]
    env.run("odoo", stages=("transform",), full_refresh=True)  # even a full rebuild: same content, no writes
    env.run("apn", stages=("transform",))
    assert env.query("SELECT source_id, updated_at FROM core.odoo_opportunities ORDER BY 1") == before
    assert env.query("SELECT count(*) FROM ops.transformation_log")[0][0] == log_before


def test_incremental_rederives_rows_whose_partner_changed(env):
    odoo = env.odoo
    lead, partner = env.query("SELECT l.id, p.commercial_partner_id FROM crm_lead l JOIN res_partner p ON "
                              "p.id = l.partner_id ORDER BY l.id DESC LIMIT 1", url=odoo)[0]
    env.execute(odoo, f"UPDATE res_partner SET name = 'Renamed Holding GmbH', write_date = now() WHERE id = {partner}")
    job, results, ctx = env.run("odoo")
    detail = env.query("SELECT config->'stages'->'transform'->'targets'->'core.odoo_opportunities' FROM "
                       "ops.sync_jobs WHERE job_id = %s", (job,))[0][0]
    assert detail["mode"] == "incremental" and detail["updated"] >= 1
    n_partner_leads = env.query("SELECT count(*) FROM crm_lead l JOIN res_partner p ON p.id = l.partner_id "
                                f"WHERE p.commercial_partner_id = {partner}", url=odoo)[0][0]
    assert detail["updated"] <= n_partner_leads + 2  # only the leads of that company (plus overlap), not all
    row = opp(env, lead)
    assert row["partner_name"] == "Renamed Holding GmbH" and row["normalized_company_name"] == "renamed"
    lineage = env.query("SELECT transformation_type, transformation_rules FROM ops.transformation_log WHERE "
                        "target_table = 'core.odoo_opportunities' AND source_record_id = %s ORDER BY transformed_at "
                        "DESC LIMIT 1", (str(lead),))[0]
    assert lineage[0] == "update" and lineage[1]["template"] == "odoo_opportunities.sql"
    assert len(lineage[1]["sha256"]) == 64


def test_deleted_lead_leaves_core(env):
    lead = env.query("SELECT max(id) FROM crm_lead", url=env.odoo)[0][0]
    env.execute(env.odoo, f"DELETE FROM crm_lead WHERE id = {lead}")
    env.run("odoo")
    assert env.query("SELECT count(*) FROM core.odoo_opportunities WHERE source_id = %s", (lead,)) == [(0,)]
    assert env.query("SELECT transformation_type FROM ops.transformation_log WHERE source_record_id = %s "
                     "AND target_table = 'core.odoo_opportunities' ORDER BY transformed_at DESC LIMIT 1",
                     (str(lead),)) == [("delete",)]


def test_broken_row_rolls_back_target_and_names_source_ids(env, tmp_path):
    # a name longer than core's VARCHAR(500) on two leads: the whole target rolls back, the ids are named
    ids = [r[0] for r in env.query("SELECT id FROM crm_lead ORDER BY id LIMIT 2 OFFSET 5", url=env.odoo)]
    before = env.query("SELECT md5(string_agg(o::text, '' ORDER BY source_id)) FROM core.odoo_opportunities o")
    raw_before = env.query("SELECT md5(string_agg(r::text, '' ORDER BY id)) FROM raw.odoo_crm_lead r")
    env.execute(env.wh, _as_a_load(f"SET name = repeat('x', 600) WHERE id IN ({ids[0]}, {ids[1]})"))
    raw_before = env.query("SELECT md5(string_agg(r::text, '' ORDER BY id)) FROM raw.odoo_crm_lead r")
    tdef = TransformDef("core.odoo_opportunities", "odoo_opportunities", "raw.odoo_crm_lead")
    with pytest.raises(TransformError) as err:
        transform_target(env.wh, env.settings.include_dir, tdef, job_id=_job(env))
    msg = str(err.value)
    assert "value too long for type character varying(500)" in msg
    assert f"offending raw.odoo_crm_lead.id: {ids[0]}, {ids[1]}" in msg
    assert env.query("SELECT md5(string_agg(o::text, '' ORDER BY source_id)) FROM core.odoo_opportunities o") == before
    assert env.query("SELECT md5(string_agg(r::text, '' ORDER BY id)) FROM raw.odoo_crm_lead r") == raw_before
    # through the pipeline the stage fails and the job records the error
    with pytest.raises(TransformError):
        env.run("odoo", stages=("transform",))
    status, error = env.query("SELECT status, error_message FROM ops.sync_jobs ORDER BY started_at DESC LIMIT 1")[0]
    assert status == "failed" and error.startswith("transform: template odoo_opportunities.sql failed")
    env.execute(env.wh, _as_a_load(f"SET name = 'fixed' WHERE id IN ({ids[0]}, {ids[1]})"))
    env.run("odoo", stages=("transform",))
