"""xml columns from a PostgreSQL source. Odoo's own fields are never xml, but a database source's custom table
can be, on a server built with libxml (Debian's and the official images are). The embedded warehouse is built
without libxml: it knows the type and refuses every value ("unsupported XML feature"), so the whole table failed.
The source here is Debian's PostgreSQL (libxml), started by the test; raw keeps xml as its text form."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from partner_sync.config import load_settings
from partner_sync.dev.embedded import EmbeddedServer
from partner_sync.ingest import reconcile_source
from partner_sync.migrations import migrate, migration_params
from partner_sync.raw.warehouse_types import parses_xml
from test_ingest_warehouse_cases import raw_image, raw_types, sync
from test_raw_load import rows, source, sql_exec

pytestmark = pytest.mark.db

# a namespaced document with non-ASCII text, a content fragment (xml holds those too), an escaped entity
INVOICE = ('<inv:invoice xmlns:inv="urn:example:invoice" inv:currency="EUR"><inv:customer>Müller GmbH — '
           '株式会社サンプル</inv:customer><inv:note>Straße &amp; Co. ✓</inv:note></inv:invoice>')
FRAGMENT = 'Angebot <b xmlns="urn:x">für</b> Zürich'


def _libxml_bindir() -> Path:
    """The binaries of an installed PostgreSQL built with libxml (Debian's package), newest first."""
    for pg_config in sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_config"),
                            key=lambda p: int(p.parent.parent.name), reverse=True):
        configure = subprocess.run([str(pg_config), "--configure"], capture_output=True, text=True).stdout
        if "--with-libxml" in configure and (pg_config.parent / "initdb").exists():
            return pg_config.parent
    pytest.fail("no PostgreSQL built with libxml under /usr/lib/postgresql: apt-get install postgresql "
                "(make test does)")


@pytest.fixture(scope="module")
def libxml_server(tmp_path_factory):
    server = EmbeddedServer(tmp_path_factory.mktemp("pg_libxml"), bindir=_libxml_bindir())
    admin = server.up()
    try:
        yield admin
    finally:
        server.down()


@pytest.fixture
def xml_env(make_db, libxml_server):
    """A database on the libxml source server, and a migrated warehouse on the embedded server."""
    name = f"src_xml_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(libxml_server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    src, wh = libxml_server.rsplit("/", 1)[0] + "/" + name, make_db("wh")
    settings = load_settings({"AIRFLOW_CONN_WAREHOUSE_DB": wh, "AIRFLOW_CONN_ODOO_DB": src,
                              "AIRFLOW_CONN_APN_DB": src, "PARTNER_SYNC_POOL_MIN": "1",
                              "PARTNER_SYNC_POOL_MAX": "4", "PARTNER_SYNC_EMBEDDING_DIM": "8"}, dotenv=False)
    migrate(wh, settings.sql_dir, migration_params(settings))
    yield settings, src, wh
    with psycopg.connect(libxml_server, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_xml_columns_of_a_libxml_source_load_into_a_warehouse_without_libxml(xml_env):
    settings, src, wh = xml_env
    with psycopg.connect(wh) as conn:
        assert not parses_xml(conn), "the embedded warehouse was expected to lack libxml"
    sql_exec(src, "CREATE TABLE docs (id int PRIMARY KEY, body xml, parts xml[], write_date timestamp)")
    sql_exec(src, "INSERT INTO docs VALUES (1, %(invoice)s, ARRAY[%(invoice)s::xml, '<a/>'], '2026-03-01 10:00'), "
             "(2, %(fragment)s, NULL, '2026-03-01 10:01'), (3, NULL, ARRAY[NULL::xml], '2026-03-01 10:02')",
             params={"invoice": INVOICE, "fragment": FRAGMENT})
    src_def = source({"docs": {"primary_key": ["id"], "cursor": "write_date"}})
    # before: "docs: unsupported XML feature ... COPY odoo_docs, line 1, column body", the table failed
    first = sync(settings, src_def)["docs"]
    assert (first.inserted, first.quarantined) == (3, 0)
    assert {c: t for c, t in raw_types(wh, "odoo_docs").items() if c in ("body", "parts")} == {
        "body": "text", "parts": "text[]"}
    assert rows(wh, "SELECT id, body, parts FROM raw.odoo_docs ORDER BY id") == [
        (1, INVOICE, [INVOICE, "<a/>"]), (2, FRAGMENT, None), (3, None, [None])]
    # the source's own text form, byte for byte (namespaces, non-ASCII, the escaped entity)
    assert rows(src, "SELECT body::text FROM docs WHERE id = 1") == [(INVOICE,)]
    image = raw_image(wh, "odoo_docs")
    for full in (True, False):  # reruns change nothing
        again = sync(settings, src_def, full_refresh=full)["docs"]
        assert again.inserted == again.updated == again.quarantined == 0
        assert raw_image(wh, "odoo_docs") == image
    edited = INVOICE.replace("Straße", "Strasse")
    sql_exec(src, "UPDATE docs SET body = %s, write_date = write_date + interval '1 day' WHERE id = 1",
             params=(edited,))
    assert sync(settings, src_def)["docs"].updated == 1
    # reconcile compares the rows (xml has no `=` at the source) and finds a write that skipped the cursor
    sql_exec(src, "UPDATE docs SET body = '<moved/>' WHERE id = 2")
    report = reconcile_source(settings, src_def)
    assert report.status == "success" and [(t.missed, t.reloaded) for t in report.tables] == [(1, 1)]
    assert rows(wh, "SELECT id, body FROM raw.odoo_docs ORDER BY id") == [(1, edited, ), (2, "<moved/>"),
                                                                         (3, None)]


def test_a_column_declared_xml_is_text_where_the_warehouse_cannot_parse_xml(xml_env, caplog):
    """A YAML override to xml on a warehouse without libxml: the values are kept as text (none could be
    stored as xml there, nor checked), malformed ones included, and the load warns naming table and column."""
    settings, src, wh = xml_env
    sql_exec(src, "CREATE TABLE notes (id int PRIMARY KEY, payload text, write_date timestamp)")
    sql_exec(src, "INSERT INTO notes VALUES (1, %s, '2026-03-01'), (2, '<broken><b>', '2026-03-01')", params=(INVOICE,))
    src_def = source({"notes": {"primary_key": ["id"], "cursor": "write_date", "column_types": {"payload": "xml"}}})
    load = sync(settings, src_def)["notes"]
    assert (load.inserted, load.quarantined) == (2, 0)
    assert raw_types(wh, "odoo_notes")["payload"] == "text"
    assert any("raw.xml_as_text" in r.message and "raw.odoo_notes" in r.message and "payload" in r.message
               for r in caplog.records)
    assert rows(wh, "SELECT payload FROM raw.odoo_notes ORDER BY id") == [(INVOICE,), ("<broken><b>",)]
