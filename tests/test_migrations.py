"""Migrations give exactly the seed's tables, columns, types, defaults and indexes; reruns change nothing."""

from pathlib import Path

import psycopg
import pytest

from partner_sync.config import load_settings
from partner_sync.migrations import MigrationError, discover, migrate, migration_params

pytestmark = pytest.mark.db
ROOT = Path(__file__).resolve().parents[1]
SEED_TABLES = [
    ("core", "odoo_opportunities"), ("core", "ace_opportunities"), ("core", "aws_accounts"),
    ("ops", "sync_jobs"), ("ops", "data_quality_checks"), ("ops", "transformation_log"),
    ("search", "embeddings"), ("search", "similarity_cache"),
]

# Columns later migrations add to the seed's tables, each for a reason written in its migration.
# The seed's own columns must come first, in order and identical; anything else must be listed here.
ADDED_COLUMNS = {
    ("core", "odoo_opportunities"): ["lead_type", "active",          # 007: leads vs opportunities, archived
                                     "description", "ace_opportunity_ref"],  # 009: project text, exact id
    ("core", "ace_opportunities"): ["stage",                          # 007: LifeCycle.Stage
                                    "partner_crm_unique_identifier", "project_description", "aws_products",
                                    "country",                        # 009: exact id, project/identity texts
                                    "funding_requested_amount", "funding_approved_amount",  # 010: funding per
                                    "funding_disbursed_amount", "funding_currency",         # opportunity from
                                    "funding_programs", "funding_status", "funding_ids"],   # either APN mode
    ("core", "aws_accounts"): ["source_id"],                          # 007: lineage to c_aws_accounts.id
    ("search", "embeddings"): ["text_hash", "model_name"],            # 008: embed only new or changed texts
    ("search", "similarity_cache"): ["direction", "source_table", "source_id", "target_table", "target_id",
                                     "rank", "signals", "model_name"],  # 008: explainable, per-direction matches
}

COLUMNS = """
SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attnum
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest(%s::text[], %s::text[])) AND a.attnum > 0
  AND NOT a.attisdropped ORDER BY 1, 2, a.attnum"""
INDEXES = """
SELECT schemaname, tablename, indexname, indexdef FROM pg_indexes
WHERE (schemaname, tablename) IN (SELECT * FROM unnest(%s::text[], %s::text[])) ORDER BY 1, 2, 3"""
CONSTRAINTS = """
SELECT n.nspname, c.relname, con.contype, pg_get_constraintdef(con.oid)
FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest(%s::text[], %s::text[])) ORDER BY 1, 2, 3, 4"""


def _catalog(url: str) -> dict:
    schemas, tables = [s for s, _ in SEED_TABLES], [t for _, t in SEED_TABLES]
    with psycopg.connect(url) as c:
        return {name: c.execute(q, (schemas, tables)).fetchall()
                for name, q in (("columns", COLUMNS), ("indexes", INDEXES), ("constraints", CONSTRAINTS))}


@pytest.fixture
def settings():
    return load_settings({"PARTNER_SYNC_EMBEDDING_DIM": "384"}, dotenv=False)


def test_migrations_match_the_seed_design_exactly(make_db, settings):
    ours, seed = make_db("mig"), make_db("seed")
    migrate(ours, settings.sql_dir, migration_params(settings))
    seed_sql = (ROOT / "tests/fixtures/seed_schema.sql").read_text().replace("vector(1024)", "vector(384)")
    with psycopg.connect(seed) as c:
        c.execute("CREATE EXTENSION vector; CREATE SCHEMA core; CREATE SCHEMA ops; CREATE SCHEMA search;")
        c.execute(seed_sql)
    got, want = _catalog(ours), _catalog(seed)
    assert len(want["columns"]) == 140 and len(want["indexes"]) > 15
    for schema, table in SEED_TABLES:
        mine = [c for c in got["columns"] if c[:2] == (schema, table)]
        seeds = [c for c in want["columns"] if c[:2] == (schema, table)]
        assert mine[:len(seeds)] == seeds, f"{schema}.{table}: the seed's columns changed"
        extra = [c[2] for c in mine[len(seeds):]]
        assert extra == ADDED_COLUMNS.get((schema, table), []), f"{schema}.{table}: unlisted columns {extra}"
    seed_index_names = {i[2] for i in want["indexes"]}
    assert [i for i in got["indexes"] if i[2] in seed_index_names] == want["indexes"]
    seed_constraints = set(want["constraints"])
    assert seed_constraints <= set(got["constraints"])
    with psycopg.connect(ours) as c:
        hnsw = c.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_embed_vector_cosine'").fetchone()[0]
        assert "hnsw" in hnsw and "m='16'" in hnsw and "ef_construction='64'" in hnsw
        q = c.execute("SELECT column_name FROM information_schema.columns WHERE table_schema='ops' "
                      "AND table_name='quarantine' ORDER BY ordinal_position").fetchall()
        assert [r[0] for r in q] == ["quarantine_id", "sync_job_id", "source_system", "table_name", "source_key",
                                     "column_name", "error_message", "payload", "sync_batch_id", "quarantined_at"]


def test_migrate_is_idempotent_and_recorded(db_url, settings):
    first = migrate(db_url, settings.sql_dir, migration_params(settings))
    assert first == [m.path.name for m in discover(settings.sql_dir)]
    before = _catalog(db_url)
    assert migrate(db_url, settings.sql_dir, migration_params(settings)) == []
    assert _catalog(db_url) == before
    with psycopg.connect(db_url) as c:
        assert c.execute("SELECT count(*) FROM ops.schema_migrations").fetchone()[0] == len(first)
    # the SQL itself is idempotent too (IF NOT EXISTS): replaying every file changes nothing
    with psycopg.connect(db_url) as c:
        for mig in discover(settings.sql_dir):
            c.execute(mig.render(migration_params(settings)))
    assert _catalog(db_url) == before


def test_edited_migration_is_refused(db_url, settings, tmp_path):
    sql_dir = tmp_path / "sql"
    sql_dir.mkdir()
    for mig in discover(settings.sql_dir):
        (sql_dir / mig.path.name).write_text(mig.text)
    migrate(db_url, sql_dir, migration_params(settings))
    (sql_dir / "003_core.sql").write_text((sql_dir / "003_core.sql").read_text() + "\n-- edited\n")
    with pytest.raises(MigrationError, match="003_core.sql was changed after it was applied"):
        migrate(db_url, sql_dir, migration_params(settings))


def test_dimension_change_is_a_clear_error(db_url, settings):
    migrate(db_url, settings.sql_dir, migration_params(settings))
    with pytest.raises(MigrationError, match=r"vector\(384\) but PARTNER_SYNC_EMBEDDING_DIM=1024"):
        migrate(db_url, settings.sql_dir, {**migration_params(settings), "embedding_dim": 1024})


def test_bad_file_names_are_refused(tmp_path):
    (tmp_path / "5_oops.sql").write_text("SELECT 1")
    with pytest.raises(MigrationError, match="NNN_lowercase_name.sql"):
        discover(tmp_path)
