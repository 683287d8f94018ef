"""Issue 14, warehouse side: source types and column names the raw mirror must survive, commit-ordered
change tracking for the transforms, and one embed run per table at a time. Every case uses a real
PostgreSQL source and warehouse, reproduces the reported failure first, and reruns leave raw byte-identical."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import psycopg
import pytest

from partner_sync.ingest import reconcile_source
from partner_sync.pipeline import run_source
from partner_sync.raw.sync import TablesFailed
from test_raw_load import env, rows, source, sql_exec  # noqa: F401 - fixtures and helpers

pytestmark = pytest.mark.db


def sync(settings, src_def, **kw):
    _, _, ctx = run_source(settings, src_def, stages=("extract", "raw_load"), **kw)
    return {t.table: t for t in ctx.loads}


def raw_image(wh: str, table: str) -> str:
    """Every byte of a raw table, metadata included: equal images mean a rerun changed nothing."""
    return rows(wh, f"SELECT md5(string_agg(t::text, '|' ORDER BY t._raw_id)) FROM raw.{table} t")[0][0]


def raw_types(wh: str, table: str) -> dict[str, str]:
    return dict(rows(wh, "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                         "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped", (f"raw.{table}",)))


# -- 1. types without an equality operator ---------------------------------------------------------
# (xml has none either; the embedded server is built without libxml: tests/test_ingest_xml.py reads it from another)
NO_EQUALITY = [("c_json", "json", "'{\"a\": 1,  \"b\": [1, 2]}'"), ("c_point", "point", "'(1.5,2)'"),
               ("c_box", "box", "'((0,0),(1,1))'"), ("c_polygon", "polygon", "'((0,0),(1,0),(1,1))'"),
               ("c_path", "path", "'[(0,0),(1,1)]'"), ("c_line", "line", "'{1,-1,0}'"),
               ("c_lseg", "lseg", "'[(0,0),(1,1)]'"), ("c_circle", "circle", "'<(0,0),2>'"),
               ("c_json_arr", "json[]", "ARRAY['[1]'::json, '{}'::json]")]


def test_types_without_equality_operator_load_again_and_again(env):
    settings, src, wh = env
    cols = ", ".join(f"{n} {t}" for n, t, _ in NO_EQUALITY)
    vals = ", ".join(v for _, _, v in NO_EQUALITY)
    sql_exec(src, f"CREATE TABLE shapes (id int PRIMARY KEY, {cols}, write_date timestamp)",
             f"INSERT INTO shapes SELECT g, {vals}, TIMESTAMP '2026-03-01' + g * interval '1 minute' "
             "FROM generate_series(1, 50) g")
    src_def = source({"shapes": {"primary_key": ["id"], "cursor": "write_date"}})
    assert sync(settings, src_def)["shapes"].inserted == 50
    # the second load compared rows with `=`: "operator does not exist: json = json", every run after the first
    again = sync(settings, src_def, full_refresh=True)["shapes"]
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 50)
    image = raw_image(wh, "odoo_shapes")
    sql_exec(src, "UPDATE shapes SET c_json = '{\"a\": 2}', c_point = '(9,9)', "
                  "write_date = write_date + interval '1 day' WHERE id IN (3, 4)",
             "UPDATE shapes SET c_circle = '<(0,0),3>', write_date = write_date + interval '1 day' WHERE id = 5")
    changed = sync(settings, src_def, full_refresh=True)["shapes"]
    assert (changed.updated, changed.unchanged) == (3, 47)
    assert rows(wh, "SELECT id, c_json::text, c_point::text, c_circle::text FROM raw.odoo_shapes "
                    "WHERE id IN (3, 5) ORDER BY id") == [(3, '{"a": 2}', "(9,9)", "<(0,0),2>"),
                                                         (5, '{"a": 1,  "b": [1, 2]}', "(1.5,2)", "<(0,0),3>")]
    image = raw_image(wh, "odoo_shapes")
    for full in (True, False):  # reruns change nothing, byte for byte
        sync(settings, src_def, full_refresh=full)
        assert raw_image(wh, "odoo_shapes") == image
    # reconcile compares rows by their text form too: it finds a write that skipped the cursor, nothing else
    sql_exec(src, "UPDATE shapes SET c_polygon = '((0,0),(2,0),(2,2))' WHERE id = 9")
    report = reconcile_source(settings, src_def)
    assert report.status == "success" and [(t.checked, t.missed, t.reloaded) for t in report.tables] == [(50, 1, 1)]
    assert rows(wh, "SELECT c_polygon::text FROM raw.odoo_shapes WHERE id = 9") == [("((0,0),(2,0),(2,2))",)]


# -- 2. types the warehouse lacks ------------------------------------------------------------------
def _odd_types_source(src: str) -> None:
    sql_exec(src, "CREATE EXTENSION citext", "CREATE EXTENSION hstore",
             "CREATE TYPE mood AS ENUM ('ok', 'meh')", "CREATE DOMAIN mood_d AS mood",
             "CREATE DOMAIN posint AS integer CHECK (VALUE > 0)", "CREATE DOMAIN posint2 AS posint",
             "CREATE DOMAIN short_txt AS varchar(8)",
             "CREATE TABLE odd (id int PRIMARY KEY, c_moods mood[], c_mood_d mood_d, c_pos2 posint2, "
             "c_posarr posint[], c_short short_txt, c_citext citext, c_citext_arr citext[], c_hstore hstore, "
             "c_char \"char\", write_date timestamp)",
             "INSERT INTO odd SELECT g, ARRAY['ok', 'meh']::mood[], 'meh', g, ARRAY[g, g + 1], 'abc', 'MiXed', "
             "ARRAY['A', 'b']::citext[], 'k=>v, n=>NULL', 'x', TIMESTAMP '2026-03-01' + g * interval '1 minute' "
             "FROM generate_series(1, 20) g")


EXPECTED_RAW = {"c_moods": "text[]", "c_mood_d": "text", "c_pos2": "integer", "c_posarr": "integer[]",
                "c_short": "character varying(8)", "c_citext": "text", "c_citext_arr": "text[]",
                "c_hstore": "text", "c_char": '"char"'}


def test_types_the_warehouse_lacks_are_mapped(env):
    settings, src, wh = env
    _odd_types_source(src)
    src_def = source({"odd": {"primary_key": ["id"], "cursor": "write_date"}})
    # before: type "mood[]" does not exist / not a type name: '"char"' / type "citext" does not exist
    assert sync(settings, src_def)["odd"].inserted == 20
    types = raw_types(wh, "odoo_odd")
    assert {c: types[c] for c in EXPECTED_RAW} == EXPECTED_RAW
    assert rows(wh, "SELECT c_moods, c_mood_d, c_pos2, c_posarr, c_short, c_citext, c_citext_arr, c_hstore, "
                    "c_char FROM raw.odoo_odd WHERE id = 2") == [
        (["ok", "meh"], "meh", 2, [2, 3], "abc", "MiXed", ["A", "b"], '"k"=>"v", "n"=>NULL', "x")]
    image = raw_image(wh, "odoo_odd")
    for full in (True, False):
        again = sync(settings, src_def, full_refresh=full)["odd"]
        assert again.inserted == again.updated == again.quarantined == 0
        assert raw_image(wh, "odoo_odd") == image
    sql_exec(src, "UPDATE odd SET c_moods = '{meh}', c_hstore = 'k=>w', write_date = write_date + interval '1 day' "
                  "WHERE id = 7")
    assert sync(settings, src_def)["odd"].updated == 1
    assert rows(wh, "SELECT c_moods, c_hstore FROM raw.odoo_odd WHERE id = 7") == [(["meh"], '"k"=>"w"')]


def test_extension_types_kept_when_the_warehouse_has_the_extension(env):
    settings, src, wh = env
    _odd_types_source(src)
    sql_exec(wh, "CREATE EXTENSION hstore")
    src_def = source({"odd": {"primary_key": ["id"], "cursor": "write_date"}})
    assert sync(settings, src_def)["odd"].inserted == 20
    types = raw_types(wh, "odoo_odd")
    assert (types["c_hstore"], types["c_citext"]) == ("hstore", "text")
    image = raw_image(wh, "odoo_odd")
    sync(settings, src_def, full_refresh=True)
    assert raw_image(wh, "odoo_odd") == image
    # the warehouse gains citext later: the column raw holds as text stays text (no refused type change)
    sql_exec(wh, "CREATE EXTENSION citext")
    again = sync(settings, src_def, full_refresh=True)["odd"]
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 20)
    assert raw_types(wh, "odoo_odd")["c_citext"] == "text" and raw_image(wh, "odoo_odd") == image


def test_type_errors_name_table_and_column(env):
    settings, src, wh = env
    sql_exec(src, "CREATE TABLE t1 (id int PRIMARY KEY, amount numeric, write_date timestamp)",
             "INSERT INTO t1 VALUES (1, 1.5, '2026-03-01')")
    src_def = source({"t1": {"primary_key": ["id"], "cursor": "write_date",
                             "column_types": {"amount": "numeric; DROP TABLE x"}}})
    with pytest.raises(TablesFailed, match=r"table raw\.odoo_t1: column amount: not a type name"):
        sync(settings, src_def)


# -- 3. column names of the loader's own -----------------------------------------------------------
def test_row_no_column_loads_on_the_validated_path(env):
    settings, src, wh = env
    # a value raw's narrower type refuses forces the validated (text) path, which numbers its rows itself
    sql_exec(src, "CREATE TABLE seq (id int PRIMARY KEY, _row_no int, code text, write_date timestamp)",
             "INSERT INTO seq SELECT g, 100 - g, 'ok', TIMESTAMP '2026-03-01' + g * interval '1 minute' "
             "FROM generate_series(1, 30) g",
             "UPDATE seq SET _row_no = NULL WHERE id = 29",
             "UPDATE seq SET code = 'far too long' WHERE id = 30")
    src_def = source({"seq": {"primary_key": ["id"], "cursor": "write_date",
                              "column_types": {"code": "character varying(4)"}}})
    load = sync(settings, src_def)["seq"]  # before: column "_row_no" of relation "_stg_text" already exists
    assert (load.path, load.inserted, load.quarantined) == ("validated", 29, 1)
    assert rows(wh, "SELECT _row_no FROM raw.odoo_seq WHERE id IN (1, 29) ORDER BY id") == [(99,), (None,)]
    image = raw_image(wh, "odoo_seq")
    assert sync(settings, src_def, full_refresh=True)["seq"].unchanged == 29
    assert raw_image(wh, "odoo_seq") == image


def test_metadata_names_refused_at_creation_and_on_drift(env):
    settings, src, wh = env
    sql_exec(src, "CREATE TABLE acct (id int PRIMARY KEY, name text, write_date timestamp)",
             "INSERT INTO acct SELECT g, 'a' || g, TIMESTAMP '2026-03-01' + g * interval '1 minute' "
             "FROM generate_series(1, 40) g",
             "CREATE TABLE del (id int PRIMARY KEY, _deleted_at timestamp, write_date timestamp)",
             "INSERT INTO del VALUES (1, '2026-01-01', '2026-03-01')")
    src_def = source({"acct": {"primary_key": ["id"], "cursor": "write_date"},
                      "del": {"primary_key": ["id"], "cursor": "write_date"}})
    # at creation: before, `_deleted_at` failed with "multiple assignments to same column"
    with pytest.raises(TablesFailed) as err:
        sync(settings, src_def)
    assert set(err.value.failures) == {"del"}
    assert "table del: column(s) _deleted_at have the name of a metadata column of raw.odoo_del" in str(err.value)
    assert rows(wh, "SELECT count(*) FROM raw.odoo_acct") == [(40,)]  # the other table loaded
    image = raw_image(wh, "odoo_acct")
    # added later: before, the source's `_source_system` overwrote raw's metadata on every row it touched
    sql_exec(src, "ALTER TABLE acct ADD COLUMN _source_system varchar(50) DEFAULT 'legacy-crm'",
             "UPDATE acct SET write_date = write_date + interval '1 day'")
    for full in (False, True):
        with pytest.raises(TablesFailed, match=r"table acct: column\(s\) _source_system have the name of a "
                                               r"metadata column of raw\.odoo_acct"):
            sync(settings, source({"acct": {"primary_key": ["id"], "cursor": "write_date"}}), full_refresh=full)
        assert raw_image(wh, "odoo_acct") == image
    assert rows(wh, "SELECT DISTINCT _source_system FROM raw.odoo_acct") == [("odoo",)]
    # the remedy the message names: exclude the column; the table loads again
    fixed = source({"acct": {"primary_key": ["id"], "cursor": "write_date", "exclude_columns": ["_source_system"]}})
    assert sync(settings, fixed)["acct"].updated == 40
    assert rows(wh, "SELECT DISTINCT _source_system FROM raw.odoo_acct") == [("odoo",)]


# -- 6. two embed runs at once ----------------------------------------------------------------------
def test_concurrent_embed_runs_embed_each_text_once(db_url):
    from test_embed import Counting, insert, odoo_row, warehouse_settings

    from partner_sync.database import Database
    from partner_sync.embed.factory import get_embedder
    from partner_sync.embed.stage import embed_table
    from partner_sync.embed.texts import ENTITIES

    settings = warehouse_settings(db_url)
    insert(db_url, "odoo_opportunities", [odoo_row(i, f"Migration wave {i}", f"Company {i}", domain=f"c{i}.com",
                                                   description=f"Move workload {i} to AWS") for i in range(1, 13)])
    model = get_embedder(settings)
    both_in = threading.Barrier(2)

    class MeetThenEmbed(Counting):
        """The real model; the first batch of each run waits (up to 3 s) for the other run to get there too,
        which is how two unsynchronised runs interleave: both read the same pending texts."""

        def embed(self, texts):
            if not self.texts:
                try:
                    both_in.wait(timeout=3)
                except threading.BrokenBarrierError:
                    pass
            return super().embed(texts)

    runs, reports, errors = [MeetThenEmbed(model), MeetThenEmbed(model)], [], []

    def one_run(counting):
        try:
            with Database.from_settings(settings) as db:
                reports.append(embed_table(settings, db, ENTITIES["odoo_opportunities"], lambda s: counting))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=one_run, args=(c,)) for c in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    # 12 opportunities x 2 texts (identity, context); before: both runs embedded all 24
    assert sorted(len(c.texts) for c in runs) == [0, 24]
    assert sorted(r.embedded for r in reports) == [0, 24]
    assert rows(db_url, "SELECT count(*), count(DISTINCT (source_id, embedding_type)) FROM search.embeddings") \
        == [(24, 24)]


# -- 5. commit order, not clocks, for the incremental transforms -----------------------------------
def _blocked_on(url: str, key: int) -> bool:
    return rows(url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = %s",
                (key,))[0][0] > 0


def test_a_raw_write_committing_after_a_transform_read_is_transformed_next_time(demo_env):
    from partner_sync.source_defs import TransformDef
    from partner_sync.transform import transform_target

    env = demo_env
    env.run("odoo")
    lead = env.query("SELECT min(id) FROM crm_lead", url=env.odoo)[0][0]
    env.execute(env.odoo, f"UPDATE crm_lead SET name = 'Renamed while a transform ran', "
                          f"write_date = (now() AT TIME ZONE 'UTC') WHERE id = {lead}")
    # the load's upsert waits (inside its transaction, after its now()) until this test lets it go on
    env.execute(env.wh, "CREATE FUNCTION test_pause() RETURNS trigger LANGUAGE plpgsql AS "
                        "$$BEGIN PERFORM pg_advisory_xact_lock_shared(4242); RETURN NEW; END$$",
                "CREATE TRIGGER pause BEFORE UPDATE ON raw.odoo_crm_lead FOR EACH ROW EXECUTE FUNCTION test_pause()")
    tdef = TransformDef("core.odoo_opportunities", "odoo_opportunities", "raw.odoo_crm_lead")
    gate = psycopg.connect(env.wh, autocommit=True)
    gate.execute("SELECT pg_advisory_lock(4242)")
    errors: list[BaseException] = []

    def load():
        try:
            env.run("odoo", stages=("extract", "raw_load"), tables=["crm_lead"])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    loader = threading.Thread(target=load)
    try:
        loader.start()
        deadline = time.monotonic() + 30
        while not _blocked_on(env.wh, 4242):
            assert time.monotonic() < deadline and loader.is_alive(), "the load never reached its upsert"
            time.sleep(0.05)
        # a transform reads while the load is open (no overlap: the load may have started any time before)
        transform_target(env.wh, env.settings.include_dir, tdef, job_id=_job(env), overlap=timedelta(0))
        assert env.query("SELECT name FROM core.odoo_opportunities WHERE source_id = %s", (lead,))[0][0] \
            != "Renamed while a transform ran"
    finally:
        gate.execute("SELECT pg_advisory_unlock(4242)")
        gate.close()
        loader.join(60)
        env.execute(env.wh, "DROP TRIGGER pause ON raw.odoo_crm_lead", "DROP FUNCTION test_pause()")
    assert not errors
    assert env.query("SELECT name FROM raw.odoo_crm_lead WHERE id = %s", (lead,)) == [
        ("Renamed while a transform ran",)]
    # the load committed after that transform read: the next transform must pick it up (before: core kept the
    # old name for good, every check passed)
    result = transform_target(env.wh, env.settings.include_dir, tdef, job_id=_job(env), overlap=timedelta(0))
    assert result.mode == "incremental" and result.updated >= 1
    assert env.query("SELECT name FROM core.odoo_opportunities WHERE source_id = %s", (lead,)) == [
        ("Renamed while a transform ran",)]
    # and then nothing is left to do; a rerun of the load leaves raw byte-identical
    again = transform_target(env.wh, env.settings.include_dir, tdef, job_id=_job(env), overlap=timedelta(0))
    assert (again.inserted, again.updated) == (0, 0)
    image = raw_image(env.wh, "odoo_crm_lead")
    env.run("odoo", stages=("extract", "raw_load"), tables=["crm_lead"])
    assert raw_image(env.wh, "odoo_crm_lead") == image


def _job(env):
    return env.run("odoo", stages=())[0]


def test_prune_keeps_the_batches_a_transform_still_needs(demo_env):
    from partner_sync.maintenance import prune_ops

    env = demo_env
    env.run("odoo")
    lead = env.query("SELECT min(id) FROM crm_lead", url=env.odoo)[0][0]
    # a load after the last transform: its batch is above every mark and must survive the prune
    env.execute(env.odoo, f"UPDATE crm_lead SET name = 'Loaded, not yet transformed', "
                          f"write_date = (now() AT TIME ZONE 'UTC') WHERE id = {lead}")
    env.run("odoo", stages=("extract", "raw_load"))
    env.execute(env.wh, "UPDATE ops.raw_batches SET created_at = created_at - interval '100 days'")
    total = env.query("SELECT count(*) FROM ops.raw_batches")[0][0]
    counts = prune_ops(env.settings, 30)
    assert 0 < counts["raw_batches"] < total
    assert env.query("SELECT count(*) FROM ops.raw_batches WHERE xact_id < "
                     "(SELECT min(last_xact_id) FROM ops.transform_state)") == [(0,)]
    env.run("odoo", stages=("transform",))
    assert env.query("SELECT name FROM core.odoo_opportunities WHERE source_id = %s", (lead,)) == [
        ("Loaded, not yet transformed",)]
