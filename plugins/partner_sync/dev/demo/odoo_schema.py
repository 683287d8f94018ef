"""DDL of odoo_demo: Odoo 17's own columns and types (from the catalog) plus the partner's custom columns/tables.

Tables are created bare, loaded with COPY, and only then get their primary keys, Odoo's CHECK/UNIQUE
constraints and the foreign keys between demo tables (none towards tables the demo does not have,
such as res_company or ir_attachment), then their id sequences are moved past the data.
"""

from __future__ import annotations

from psycopg import sql

from partner_sync.dev.demo.odoo_catalog import COLUMNS, CONSTRAINTS
from partner_sync.dev.demo.odoo_custom import CUSTOM_TABLES, EXTRA_COLUMNS, Col

STANDARD_TABLES = tuple(COLUMNS)


def odoo_tables() -> dict[str, tuple[Col, ...]]:
    """Every odoo_demo table with its columns in physical order."""
    tables: dict[str, tuple[Col, ...]] = {}
    for table, cols in COLUMNS.items():
        base = tuple(Col(name, typ, not_null, fk, on_delete) for name, typ, not_null, fk, on_delete in cols)
        tables[table] = base + EXTRA_COLUMNS.get(table, ())
    tables.update(CUSTOM_TABLES)
    return tables


def create_table(table: str, cols: tuple[Col, ...]) -> sql.Composed:
    parts = []
    for col in cols:
        typ = "serial" if col.name == "id" else col.type
        parts.append(sql.SQL("{} {}{}").format(sql.Identifier(col.name), sql.SQL(typ),
                                               sql.SQL(" NOT NULL" if col.not_null else "")))
    return sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(table), sql.SQL(", ").join(parts))


def post_load(tables: dict[str, tuple[Col, ...]]) -> list[sql.Composed]:
    """Primary keys, Odoo's constraints, FKs between demo tables, sequences past max(id)."""
    stmts: list[sql.Composed] = []
    for table in tables:
        stmts.append(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY (id)").format(
            sql.Identifier(table), sql.Identifier(f"{table}_pkey")))
    for table, constraints in CONSTRAINTS.items():
        for name, definition in constraints:
            # definitions are Odoo's own DDL text from the reference catalog, not user input
            stmts.append(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                sql.Identifier(table), sql.Identifier(name), sql.SQL(definition)))
    for table, cols in tables.items():
        for col in cols:
            if col.fk and col.fk in tables:
                on_delete = sql.SQL(f" ON DELETE {col.on_delete.upper()}" if col.on_delete else "")
                stmts.append(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} (id){}").format(
                    sql.Identifier(table), sql.Identifier(f"{table}_{col.name}_fkey"[:63]), sql.Identifier(col.name),
                    sql.Identifier(col.fk), on_delete))
        stmts.append(sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'id'), GREATEST((SELECT max(id) FROM {}), 1))").format(
            sql.Literal(table), sql.Identifier(table)))
    return stmts
