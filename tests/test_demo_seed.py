"""seed-demo against the real embedded PostgreSQL: shapes and types vs the Odoo 17 / ACE references,
linked keys, twins and ground truth, determinism, idempotent reruns and the refusal to drop foreign data.

One module-scoped seed at a small scale serves most tests (a few seconds); the determinism tests
seed again under other names and compare table checksums.
"""

from __future__ import annotations

import csv
import json
import re
import uuid
from pathlib import Path

import psycopg
import pytest
import yaml
from psycopg import sql

from partner_sync.dev.demo.apn_schema import APN_TABLES
from partner_sync.dev.demo.odoo_catalog import COLUMNS
from partner_sync.dev.demo.odoo_custom import CUSTOM_TABLES, EXTRA_COLUMNS, STUDIO_COUNTS
from partner_sync.dev.demo.seed import MARKER, RefuseToDrop, SeedReport, seed_demo

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[1]
SCALE = 300
# Column counts of a live Odoo 17.0 (shared/reference/odoo17_schema_NOTES.md), magic columns included.
ODOO17_COUNTS = {"crm_lead": 64, "res_partner": 62, "res_users": 21, "crm_team": 18, "crm_stage": 11, "sale_order": 46,
                 "sale_order_line": 40, "res_country": 15, "res_country_state": 8, "product_template": 34,
                 "account_move": 67, "account_move_line": 54, "project_project": 32}
APN_COUNTS = {"opportunity": 66, "funding_request": 57, "cash_claim": 26, "funding_request_history": 14,
              "end_user": 18, "users": 6}
APN_PK = {t.name: t.primary_key for t in APN_TABLES}


def _reference_json() -> Path | None:
    for base in (ROOT / "shared", ROOT.parent / "shared"):
        path = base / "reference" / "odoo17_schema.json"
        if path.exists():
            return path
    return None


def _url(admin_url: str, db: str) -> str:
    return admin_url.rsplit("/", 1)[0] + "/" + db


def _drop(admin_url: str, *names: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _seed(admin_url: str, tmp: Path, tag: str, seed: int = 7) -> SeedReport:
    return seed_demo(admin_url, odoo_db=f"odoo_{tag}", apn_db=f"apn_{tag}", scale=SCALE, seed=seed,
                     truth_path=tmp / f"truth_{tag}.csv")


def _checksums(url: str) -> dict[str, str]:
    """md5 of every table's rows in primary-key order."""
    out = {}
    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")]
        for table in tables:
            pk = APN_PK.get(table, "id")
            out[table] = conn.execute(sql.SQL("SELECT md5(string_agg(t::text, '' ORDER BY {})) FROM {} t").format(
                sql.Identifier(pk), sql.Identifier(table))).fetchone()[0]
    return out


@pytest.fixture(scope="module")
def demo(pg_admin_url, tmp_path_factory):
    """One seeded pair of databases for the whole module: (report, odoo connection, apn connection)."""
    tag = f"m{uuid.uuid4().hex[:8]}"
    report = _seed(pg_admin_url, tmp_path_factory.mktemp("demo"), tag)
    with psycopg.connect(_url(pg_admin_url, report.odoo_db)) as odoo, psycopg.connect(_url(pg_admin_url, report.apn_db)) as apn:
        yield report, odoo, apn
    _drop(pg_admin_url, report.odoo_db, report.apn_db)


def _one(conn: psycopg.Connection, query: str, *params):
    return conn.execute(query, params).fetchone()[0]


# -- shape and types ---------------------------------------------------------------------------------
def test_report_counts_match_tables(demo):
    report, odoo, apn = demo
    assert report.rows["odoo.crm_lead"] == SCALE
    for key, n in report.rows.items():
        side, table = key.split(".")
        conn = odoo if side == "odoo" else apn
        assert _one(conn, f'SELECT count(*) FROM "{table}"') == n, key
        assert n > 0, key
    assert 0.6 * SCALE < report.rows["odoo.c_aws_accounts"] < 1.0 * SCALE
    assert 1.3 * SCALE < report.rows["odoo.res_partner"] < 1.7 * SCALE
    assert report.seconds > 0


def _columns(conn, table: str) -> list[tuple[str, str, str, int | None, str]]:
    return conn.execute("""
        SELECT column_name, data_type, is_nullable, character_maximum_length, udt_name
        FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position
    """, (table,)).fetchall()


def test_standard_odoo_tables_have_odoo17_columns_plus_studio(demo):
    _, odoo, _ = demo
    for table, count in ODOO17_COUNTS.items():
        cols = _columns(odoo, table)
        extras = EXTRA_COLUMNS.get(table, ())
        assert len(cols) == count + len(extras), table
        studio = [c[0] for c in cols if c[0].startswith("x_studio_")]
        assert len(studio) == STUDIO_COUNTS.get(table, 0), table
        assert [c[0] for c in cols[:count]] == [c[0] for c in COLUMNS[table]], table
    assert 3 <= STUDIO_COUNTS["crm_lead"] <= 6 and 3 <= STUDIO_COUNTS["res_partner"] <= 6
    names = {c[0] for c in _columns(odoo, "crm_lead")}
    assert {"c_aws_account_id", "c_origination", "c_aws_am_name", "c_aws_psm_name"} <= names
    assert not {"name", "email"} & {c[0] for c in _columns(odoo, "res_users")}  # names live on res_partner


def test_every_standard_column_has_odoo17_type_and_not_null(demo):
    _, odoo, _ = demo
    for table, ref in COLUMNS.items():
        actual = {c[0]: c for c in _columns(odoo, table)}
        for name, pg_type, not_null, _, _ in ref:
            assert actual[name][1] == pg_type, f"{table}.{name}"
            assert (actual[name][2] == "NO") == not_null, f"{table}.{name} nullability"
    sample = {("crm_lead", "probability"): "float8", ("crm_lead", "expected_revenue"): "numeric",
              ("crm_lead", "write_date"): "timestamp", ("crm_stage", "name"): "jsonb", ("res_users", "login"): "varchar",
              ("sale_order_line", "price_tax"): "float8", ("account_move", "date"): "date",
              ("product_template", "name"): "jsonb", ("res_partner", "active"): "bool", ("crm_lead", "id"): "int4"}
    for (table, col), udt in sample.items():
        assert {c[0]: c[4] for c in _columns(odoo, table)}[col] == udt, f"{table}.{col}"


def test_catalog_equals_reference_json():
    path = _reference_json()
    if path is None:
        pytest.skip("shared/reference/odoo17_schema.json not available")
    ref = json.loads(path.read_text())["tables"]
    assert set(ref) == set(COLUMNS)
    for table, spec in ref.items():
        assert spec["column_count"] == ODOO17_COUNTS[table]
        assert [(c["name"], c["pg_type_full"], c["not_null"]) for c in spec["columns"]] == \
               [(c[0], c[1], c[2]) for c in COLUMNS[table]], table


def test_custom_tables_and_odoo_constraints(demo):
    _, odoo, _ = demo
    for table, cols in CUSTOM_TABLES.items():
        assert [c[0] for c in _columns(odoo, table)] == [c.name for c in cols], table
        assert {"id", "create_uid", "create_date", "write_uid", "write_date"} <= {c.name for c in cols}
    assert [len(CUSTOM_TABLES[t]) for t in ("c_aws_funding_request", "c_billing_spp_bill", "c_billing_internal_cur",
                                            "c_billing_bill", "c_billing_bill_line")] == [71, 16, 14, 16, 13]
    cons = {r[0] for r in odoo.execute("SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace")}
    assert {"crm_lead_check_probability", "res_partner_check_name", "res_users_login_key",
            "crm_lead_partner_id_fkey", "crm_lead_c_aws_account_id_fkey", "c_aws_accounts_payer_account_id_fkey"} <= cons
    assert not any("res_company" in c or "ir_attachment" in c for c in cons)
    fk_targets = {r[0] for r in odoo.execute(
        "SELECT DISTINCT confrelid::regclass::text FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace")}
    tables = {r[0] for r in odoo.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert fk_targets <= tables
    for table in tables:
        assert _one(odoo, f'SELECT count(*) FROM "{table}" WHERE write_date IS NULL') == 0, table


def test_apn_tables_shape_and_types(demo):
    _, _, apn = demo
    for table, count in APN_COUNTS.items():
        cols = {c[0]: c for c in _columns(apn, table)}
        assert len(cols) == count, table
        assert cols["last_modified_date"][1] == "timestamp with time zone", table
        assert cols["last_modified_date"][2] == "NO"
    opp = {c[0]: c for c in _columns(apn, "opportunity")}
    assert opp["id"][1] == "text" and opp["catalog"][1] == "text"
    assert (opp["aws_account_id"][4], opp["aws_account_id"][3]) == ("varchar", 12)
    rev = apn.execute("""SELECT numeric_precision, numeric_scale FROM information_schema.columns
                         WHERE table_name = 'opportunity' AND column_name = 'expected_monthly_aws_revenue'""").fetchone()
    assert rev == (15, 2)
    for col in ("partner_project_title", "customer_company_name", "customer_website", "partner_crm_unique_identifier",
                "stage", "status", "opportunity_type", "delivery_model", "use_case", "industry", "target_close_date",
                "created_date", "aws_sales_rep_name", "aws_partner_success_manager_email", "opportunity_owner_email",
                "partner_acceptance_status", "customer_first_name", "customer_email"):
        assert col in opp, col
    assert _one(apn, "SELECT count(*) FROM opportunity WHERE id !~ '^O[0-9]{7}$' OR catalog <> 'AWS'") == 0


def test_apn_vocabularies(demo):
    _, _, apn = demo
    values = lambda col: {r[0] for r in apn.execute(f"SELECT DISTINCT {col} FROM opportunity WHERE {col} IS NOT NULL")}  # noqa: E731
    assert values("stage") <= {"Prospect", "Qualified", "Technical Validation", "Business Validation", "Committed",
                               "Launched", "Closed Lost"}
    assert values("status") <= {"Pending Submission", "Submitted", "In review", "Approved", "Rejected", "Action Required"}
    assert values("opportunity_type") <= {"Net New Business", "Flat Renewal", "Expansion"}
    assert values("opportunity_ownership") == {"AWS Referral", "Partner Referral"}
    assert not any("&" in v for v in values("industry"))  # API vocabulary: 'and'
    models = {m for v in values("delivery_model") for m in v.split(";")}
    assert models <= {"SaaS or PaaS", "BYOL or AMI", "Managed Services", "Professional Services", "Resell", "Other"}
    stages = {r[0] for r in apn.execute("SELECT DISTINCT stage FROM funding_request")}
    assert stages <= {"Created", "AWS Review", "Tech Approval", "Business Approval", "Finance Approval", "Pre-approved",
                      "Cash Claim", "Completed"}


# -- Odoo realism ------------------------------------------------------------------------------------
def test_translated_jsonb_names(demo):
    _, odoo, _ = demo
    assert _one(odoo, "SELECT name->>'en_US' FROM crm_stage WHERE is_won") == "Won"
    assert _one(odoo, "SELECT name->>'fr_FR' FROM crm_stage WHERE is_won") == "Gagné"
    for table in ("crm_stage", "crm_team", "product_template"):
        assert _one(odoo, f"SELECT count(*) FROM {table} WHERE NOT name ? 'fr_FR'") > 0, table
        assert _one(odoo, f"SELECT count(*) FROM {table} WHERE NOT name ? 'en_US' AND name ? 'fr_FR'") > 0, table
    assert _one(odoo, "SELECT count(*) FROM res_country WHERE name->>'en_US' IS NULL") == 0
    assert _one(odoo, "SELECT name->>'en_US' FROM res_country WHERE code = 'DE'") == "Germany"
    assert _one(odoo, "SELECT count(*) FROM project_project WHERE jsonb_typeof(name) <> 'object'") == 0


def test_users_are_odoo_shaped(demo):
    _, odoo, _ = demo
    system = odoo.execute("SELECT id, login, active FROM res_users WHERE id <= 5 ORDER BY id").fetchall()
    assert system == [(1, "__system__", False), (2, "admin", True), (3, "default", False), (4, "public", False),
                      (5, "portaltemplate", False)]
    assert _one(odoo, "SELECT count(*) FROM res_users u LEFT JOIN res_partner p ON p.id = u.partner_id WHERE p.id IS NULL") == 0
    assert _one(odoo, "SELECT count(*) FROM res_users u JOIN res_partner p ON p.id = u.partner_id "
                      "WHERE u.id > 5 AND (p.name IS NULL OR p.email IS NULL)") == 0
    assert _one(odoo, "SELECT count(*) FROM res_users WHERE id > 5 AND active AND NOT share") >= 6


def test_partner_hierarchy_and_messiness(demo):
    _, odoo, _ = demo
    # commercial partner: the company itself, the parent company's for its children, self for orphans
    assert _one(odoo, "SELECT count(*) FROM res_partner WHERE is_company AND commercial_partner_id <> id") == 0
    assert _one(odoo, """SELECT count(*) FROM res_partner c JOIN res_partner p ON p.id = c.parent_id
                         WHERE c.commercial_partner_id <> p.commercial_partner_id""") == 0
    assert _one(odoo, "SELECT count(*) FROM res_partner WHERE parent_id IS NULL AND commercial_partner_id <> id") == 0
    types = {r[0] for r in odoo.execute("SELECT DISTINCT type FROM res_partner")}
    assert {"contact", "invoice", "delivery"} <= types
    assert _one(odoo, "SELECT count(*) FROM res_partner WHERE NOT active") > 0
    assert _one(odoo, "SELECT count(*) FROM res_partner WHERE name <> btrim(name)") > 0
    assert _one(odoo, "SELECT count(*) FROM res_partner WHERE name ~ '[^\\x01-\\x7f]'") > 0  # unicode names
    assert _one(odoo, "SELECT count(*) FROM res_partner WHERE website ~* '^https?://'") > 0
    assert _one(odoo, "SELECT count(*) FROM res_partner WHERE website !~* '^https?://'") > 0
    # the same company entered twice: companies sharing a normalised website domain
    dup = _one(odoo, r"""SELECT count(*) FROM (
        SELECT lower(regexp_replace(regexp_replace(btrim(website), '^(https?://)?(www\.)?', '', 'i'), '[:/].*$', '')) d
        FROM res_partner WHERE is_company AND website IS NOT NULL GROUP BY 1 HAVING count(*) > 1) x""")
    assert dup > 0


def test_leads_are_linked_and_consistent(demo):
    _, odoo, _ = demo
    for col, target in (("partner_id", "res_partner"), ("stage_id", "crm_stage"), ("user_id", "res_users"),
                        ("team_id", "crm_team"), ("c_aws_account_id", "c_aws_accounts")):
        orphans = _one(odoo, f"SELECT count(*) FROM crm_lead l WHERE l.{col} IS NOT NULL "
                             f"AND NOT EXISTS (SELECT 1 FROM {target} t WHERE t.id = l.{col})")
        assert orphans == 0, col
    assert _one(odoo, "SELECT count(*) FROM crm_lead l JOIN crm_stage s ON s.id = l.stage_id "
                      "WHERE s.is_won AND (l.probability <> 100 OR NOT l.active)") == 0
    assert _one(odoo, "SELECT count(*) FROM crm_lead WHERE NOT active AND probability <> 0") == 0
    assert _one(odoo, "SELECT count(*) FROM crm_lead WHERE NOT active") > 0
    assert _one(odoo, "SELECT count(*) FROM crm_lead WHERE partner_id IS NULL AND partner_name IS NOT NULL") > 0
    assert _one(odoo, "SELECT count(*) FROM crm_lead l JOIN res_partner p ON p.id = l.partner_id WHERE p.is_company") > 0
    assert _one(odoo, "SELECT count(*) FROM crm_lead l JOIN res_partner p ON p.id = l.partner_id WHERE NOT p.is_company") > 0
    assert {r[0] for r in odoo.execute("SELECT DISTINCT type FROM crm_lead")} == {"lead", "opportunity"}
    assert _one(odoo, "SELECT count(*) FROM crm_lead WHERE email_from ~ '[A-Z]'") > 0
    assert _one(odoo, "SELECT max(write_date) FROM crm_lead") <= _one(odoo, "SELECT timestamp '2026-06-30 17:00:00'")
    assert _one(odoo, "SELECT count(*) FROM crm_lead WHERE write_date < create_date") == 0
    assert _one(odoo, "SELECT count(*) FROM sale_order o WHERE opportunity_id IS NOT NULL "
                      "AND NOT EXISTS (SELECT 1 FROM crm_lead l WHERE l.id = o.opportunity_id)") == 0


def test_aws_accounts_and_payer_chain(demo):
    _, odoo, _ = demo
    ids = [r[0] for r in odoo.execute("SELECT account_id FROM c_aws_accounts")]
    clean = [a for a in ids if re.fullmatch(r"\d{12}", a)]
    assert len(clean) > 0.9 * len(ids) and len(clean) < len(ids)  # a few malformed
    assert any(a.startswith("0") for a in clean)  # leading zeros kept
    assert len(set(clean)) == len(clean)
    # every payer link points at a payer that is itself top-level (no chains, no cycles)
    assert _one(odoo, """SELECT count(*) FROM c_aws_accounts a JOIN c_aws_accounts p ON p.id = a.payer_account_id
                         WHERE NOT p.is_payer OR p.payer_account_id IS NOT NULL""") == 0
    assert _one(odoo, "SELECT count(*) FROM c_aws_accounts WHERE is_payer AND payer_account_id IS NOT NULL") == 0
    assert _one(odoo, "SELECT count(*) FROM c_aws_accounts WHERE payer_account_id IS NOT NULL") > 0
    assert _one(odoo, """SELECT count(*) FROM c_aws_accounts a JOIN res_partner p ON p.id = a.customer_company_id
                         WHERE NOT p.is_company""") == 0
    assert {r[0] for r in odoo.execute("SELECT DISTINCT environment FROM c_aws_accounts")} == \
           {"production", "staging", "dev", "sandbox"}


# -- twins and ground truth --------------------------------------------------------------------------
def _truth(report: SeedReport) -> list[tuple[int, str]]:
    with open(report.truth_path, newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["odoo_source_id", "ace_source_id"]
    return [(int(a), b) for a, b in rows[1:]]


def test_ground_truth_file(demo):
    report, odoo, apn = demo
    pairs = _truth(report)
    assert len(pairs) == report.twin_pairs > 0
    assert pairs == sorted(pairs)
    assert len({a for a, _ in pairs}) == len({b for _, b in pairs}) == len(pairs)
    lead_ids = {r[0] for r in odoo.execute("SELECT id FROM crm_lead WHERE type = 'opportunity'")}
    ace_ids = {r[0] for r in apn.execute("SELECT id FROM opportunity")}
    assert {a for a, _ in pairs} <= lead_ids
    assert {b for _, b in pairs} <= ace_ids
    assert 0.6 <= len(pairs) / len(lead_ids) <= 0.8  # about 70% of Odoo opportunities have a twin
    assert 0.07 <= 1 - len(pairs) / len(ace_ids) <= 0.25  # about 15% of ACE opportunities have none


def test_twin_signals_are_informative_but_not_trivial(demo):
    report, odoo, apn = demo
    pairs = dict((b, a) for a, b in _truth(report))
    leads = {r[0]: r[1:] for r in odoo.execute("""
        SELECT l.id, acc.account_id, coalesce(p.name, l.partner_name), coalesce(l.website, p.website)
        FROM crm_lead l LEFT JOIN c_aws_accounts acc ON acc.id = l.c_aws_account_id
        LEFT JOIN res_partner p ON p.id = (SELECT commercial_partner_id FROM res_partner WHERE id = l.partner_id)""")}
    digits = lambda s: re.sub(r"\D", "", s or "").zfill(12) if s and re.sub(r"\D", "", s) else None  # noqa: E731
    same_acct = same_name = crm_ids = 0
    for ace_id, acct, company, crm in apn.execute(
            "SELECT id, aws_account_id, customer_company_name, partner_crm_unique_identifier FROM opportunity"):
        if ace_id not in pairs:
            assert crm is None or not crm.lstrip("ODOodo-").isdigit()  # ACE-only: never points at an Odoo lead
            continue
        lead_acct, lead_company, _ = leads[pairs[ace_id]]
        same_acct += acct is not None and digits(acct) == digits(lead_acct)
        same_name += company == lead_company
        if crm:
            crm_ids += 1
            assert re.sub(r"\D", "", crm) == str(pairs[ace_id])
    n = len(pairs)
    assert 0.3 < same_acct / n < 0.75  # often, not always
    assert same_name / n < 0.6  # names are mostly reworded
    assert 0.12 < crm_ids / n < 0.4  # about a quarter carry the Odoo id
    apn_accounts = [r[0] for r in apn.execute("SELECT aws_account_id FROM opportunity WHERE aws_account_id IS NOT NULL")]
    assert any(not re.fullmatch(r"\d{12}", a) for a in apn_accounts)
    assert any(a.startswith("0") and len(a) == 12 for a in apn_accounts)
    # distractors: companies with several opportunities on the ACE side
    assert _one(apn, "SELECT count(*) FROM (SELECT customer_website FROM opportunity WHERE customer_website IS NOT NULL "
                     "GROUP BY 1 HAVING count(*) > 1) x") > 0


def test_funding_is_linked(demo):
    _, odoo, apn = demo
    assert _one(apn, "SELECT count(*) FROM funding_request f LEFT JOIN opportunity o ON o.id = f.opportunity_id "
                     "WHERE f.opportunity_id IS NOT NULL AND o.id IS NULL") == 0
    assert _one(apn, "SELECT count(*) FROM funding_request_history") > _one(apn, "SELECT count(*) FROM funding_request")
    odoo_fr = {r[0] for r in odoo.execute("SELECT apfp_fund_request_id FROM c_aws_funding_request WHERE apfp_fund_request_id IS NOT NULL")}
    apn_fr = {r[0] for r in apn.execute("SELECT funding_request_id FROM funding_request")}
    assert odoo_fr and odoo_fr <= apn_fr


# -- contract, docs ----------------------------------------------------------------------------------
def test_apn_yml_matches_database(demo):
    _, _, apn = demo
    spec = yaml.safe_load((ROOT / "include" / "sources" / "apn.yml").read_text())
    assert (spec["source"], spec["connection_id"]) == ("apn", "apn_db")
    # the database mode's tables; the Benefits API tables exist in the partner_central mode only
    tables = {t: d for t, d in spec["tables"].items() if "database" in d.get("modes", ["database"])}
    assert set(spec["tables"]) - set(tables) == {"benefit_application", "benefit_allocation"}
    assert set(tables) == set(APN_COUNTS)
    for table, tdef in tables.items():
        cols = [c[0] for c in _columns(apn, table)]
        assert tdef["primary_key"] == [APN_PK[table]] and tdef["cursor"] in cols and tdef["enabled"] is True
        assert list(tdef["columns"]) == cols, table


def test_docs_describe_every_custom_column():
    text = (ROOT / "docs" / "demo_sources.md").read_text()
    for table, cols in CUSTOM_TABLES.items():
        assert f"### {table}" in text, table
        for col in cols:
            assert f"`{col.name}`" in text, f"{table}.{col.name}"
    for cols in EXTRA_COLUMNS.values():
        for col in cols:
            assert f"`{col.name}`" in text, col.name
    assert "odoo_source_id,ace_source_id" in text


# -- determinism, idempotence, safety ----------------------------------------------------------------
def test_same_seed_same_bytes_other_seed_differs(demo, pg_admin_url, tmp_path):
    report, _, _ = demo
    twin = _seed(pg_admin_url, tmp_path, f"s{uuid.uuid4().hex[:8]}", seed=7)
    other = _seed(pg_admin_url, tmp_path, f"o{uuid.uuid4().hex[:8]}", seed=8)
    try:
        for side in ("odoo_db", "apn_db"):
            base = _checksums(_url(pg_admin_url, getattr(report, side)))
            assert base == _checksums(_url(pg_admin_url, getattr(twin, side))), side
            diff = _checksums(_url(pg_admin_url, getattr(other, side)))
            assert base["crm_lead" if side == "odoo_db" else "opportunity"] != \
                   diff["crm_lead" if side == "odoo_db" else "opportunity"]
        assert report.truth_path.read_bytes() == twin.truth_path.read_bytes()
        assert report.truth_path.read_bytes() != other.truth_path.read_bytes()
    finally:
        _drop(pg_admin_url, twin.odoo_db, twin.apn_db, other.odoo_db, other.apn_db)


def test_rerun_is_idempotent(pg_admin_url, tmp_path):
    tag = f"r{uuid.uuid4().hex[:8]}"
    try:
        first = _seed(pg_admin_url, tmp_path, tag)
        before = _checksums(_url(pg_admin_url, first.odoo_db)), _checksums(_url(pg_admin_url, first.apn_db))
        truth = first.truth_path.read_bytes()
        second = _seed(pg_admin_url, tmp_path, tag)
        assert (second.rows, second.twin_pairs) == (first.rows, first.twin_pairs)
        assert before == (_checksums(_url(pg_admin_url, first.odoo_db)), _checksums(_url(pg_admin_url, first.apn_db)))
        assert second.truth_path.read_bytes() == truth
        with psycopg.connect(pg_admin_url) as conn:
            assert _one(conn, "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                        first.odoo_db) == MARKER
    finally:
        _drop(pg_admin_url, f"odoo_{tag}", f"apn_{tag}")


def test_refuses_to_drop_a_database_it_did_not_create(pg_admin_url, make_db, tmp_path):
    foreign_url = make_db("foreign")
    foreign = foreign_url.rsplit("/", 1)[1]
    with psycopg.connect(foreign_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE precious (x int)")
    fresh = f"odoo_{uuid.uuid4().hex[:8]}"
    with pytest.raises(RefuseToDrop, match=foreign):
        seed_demo(pg_admin_url, odoo_db=fresh, apn_db=foreign, scale=20, seed=1, truth_path=tmp_path / "t.csv")
    with pytest.raises(RefuseToDrop):
        seed_demo(pg_admin_url, odoo_db=foreign, apn_db=fresh, scale=20, seed=1, truth_path=tmp_path / "t.csv")
    with psycopg.connect(foreign_url) as conn:
        assert _one(conn, "SELECT count(*) FROM pg_tables WHERE tablename = 'precious'") == 1
    with psycopg.connect(pg_admin_url) as conn:  # refused before creating or dropping anything
        assert _one(conn, "SELECT count(*) FROM pg_database WHERE datname = %s", fresh) == 0
    assert not (tmp_path / "t.csv").exists()
