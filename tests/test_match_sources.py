"""Exact evidence from the sources: odoo.yml `ace_id_field:` and ACE's partner CRM id reach core via the transforms."""

from __future__ import annotations

import uuid

import pytest

from partner_sync.source_defs import SourceDefinitionError, load_source, parse_source
from partner_sync.transform import transform_source


def test_ace_id_field_is_validated():
    base = {"source": "odoo", "connection_id": "odoo_db", "tables": {"crm_lead": {"primary_key": ["id"]}}}
    assert parse_source(base).ace_id_field is None
    assert parse_source({**base, "ace_id_field": "x_studio_ace_opportunity_id"}).ace_id_field == \
        "x_studio_ace_opportunity_id"
    with pytest.raises(SourceDefinitionError, match="'ace_id_field' must name a column"):
        parse_source({**base, "ace_id_field": "x; DROP TABLE crm_lead"})


def test_the_configured_field_and_the_crm_id_land_in_core(demo_env):
    demo_env.run("odoo")
    demo_env.run("apn")
    lead = demo_env.query("SELECT min(id) FROM raw.odoo_crm_lead")[0][0]
    demo_env.execute(demo_env.wh, f"UPDATE raw.odoo_crm_lead SET x_studio_ace_opportunity_id = ' O7654321 ' "
                                  f"WHERE id = {lead}")  # as a sales rep typed it
    typed = demo_env.query("SELECT id::text, x_studio_ace_opportunity_id FROM raw.odoo_crm_lead "
                           "WHERE NULLIF(btrim(x_studio_ace_opportunity_id), '') IS NOT NULL ORDER BY id")
    # default (no ace_id_field): nothing is read
    transform_source(demo_env.settings, load_source(demo_env.settings.include_dir, "odoo"), job_id=_job(demo_env),
                     full=True)
    assert demo_env.query("SELECT count(*) FROM core.odoo_opportunities WHERE ace_opportunity_ref IS NOT NULL") \
        == [(0,)]
    source = load_source(demo_env.settings.include_dir, "odoo").with_overrides(
        ace_id_field="x_studio_ace_opportunity_id")
    results = transform_source(demo_env.settings, source, job_id=_job(demo_env))
    assert {r.mode for r in results if r.target == "core.odoo_opportunities"} == {"rebuild"}  # config changed
    assert dict(typed)[str(lead)] == " O7654321 "
    got = dict(demo_env.query("SELECT source_id::text, ace_opportunity_ref FROM core.odoo_opportunities "
                              "WHERE ace_opportunity_ref IS NOT NULL"))
    assert got == {i: v.strip() for i, v in typed}
    crm = demo_env.query("SELECT count(*) FROM core.ace_opportunities a JOIN raw.apn_opportunity r ON r.id = a.source_id "
                         "WHERE a.partner_crm_unique_identifier IS NOT DISTINCT FROM "
                         "NULLIF(btrim(r.partner_crm_unique_identifier), '')")
    total = demo_env.query("SELECT count(*) FROM core.ace_opportunities")
    assert crm == total


def _job(env) -> uuid.UUID:
    return env.run("odoo", stages=())[0]
