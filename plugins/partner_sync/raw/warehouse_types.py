"""What the warehouse can store for a discovered type, and how raw compares values of types without `=`.

The reader resolves enums, arrays of them and domains (``sources/postgres.source_raw_types``); here a type
of an extension (citext, hstore, ...) is kept only when the warehouse has that type too, else stored in
its text form. So is ``xml`` when the warehouse's server was built without libxml: it knows the type but
refuses every value ("unsupported XML feature"), as the embedded server does. Types such as json or
the geometric ones have no equality operator, so row comparisons use their canonical text form.
"""

from __future__ import annotations

import dataclasses
import logging
import re

import psycopg
from psycopg import sql

from partner_sync.logs import kv

log = logging.getLogger(__name__)

# format_type() spells a few built-in types quoted; they are plain type names all the same
_QUOTED_BUILTINS = ('"char"',)
_TYPE_NAME = re.compile(r"[a-z][a-z0-9_ ]*(\(\d+(,\d+)?\))?( with(out)? time zone)?(\[\])*")


class UnsupportedType(ValueError):
    """A source column whose type the raw mirror cannot hold; the message names table and column."""


def check_type_name(data_type: str, where: str) -> str:
    """Types come from the catalog or the YAML; refuse anything that is not a type name, naming ``where``."""
    bare = data_type
    while bare.endswith("[]"):
        bare = bare.removesuffix("[]")
    if bare in _QUOTED_BUILTINS or _TYPE_NAME.fullmatch(data_type):
        return data_type
    raise UnsupportedType(f"{where}: not a type name: {data_type!r}")


def _element(data_type: str) -> str:
    while data_type.endswith("[]"):
        data_type = data_type.removesuffix("[]")
    return data_type


def parses_xml(conn: psycopg.Connection) -> bool:
    """Whether the warehouse's server was built with libxml: without it, it refuses every xml value."""
    try:
        with conn.transaction():  # savepoint in the caller's transaction
            conn.execute("SELECT xml_is_well_formed('<x/>')")
        return True
    except psycopg.errors.FeatureNotSupported:
        return False


def fit_to_warehouse(conn: psycopg.Connection, types: dict[str, str], where: str,
                     raw_table: str | None = None) -> dict[str, str]:
    """Column -> type the warehouse can create: a type it does not know (an extension it lacks), or xml on a
    server without libxml, becomes text, or text[] for an array; one catalog round trip. A malformed name is
    refused naming the column.

    A column ``raw_table`` already stores in that text form stays so once the warehouse gains the extension
    or libxml (else the type change would refuse the table for good)."""
    for column, data_type in types.items():
        check_type_name(data_type, f"{where}: column {column}")
    # one parse per distinct type (a few), not per column (wide tables have ~200)
    known = {typ: (oid is not None, extension) for typ, oid, extension in conn.execute(
        "SELECT d.typ, t.oid, t.typnamespace <> 'pg_catalog'::regnamespace "
        "FROM (SELECT DISTINCT unnest(%s::text[]) AS typ) d LEFT JOIN pg_type t ON t.oid = to_regtype(d.typ)",
        (sorted(set(types.values())),)).fetchall()}
    xml = {t for t in types.values() if _element(t) == "xml"}
    if xml and not parses_xml(conn):
        known.update({t: (False, False) for t in xml})
        log.warning(kv("raw.xml_as_text", where=where, columns=",".join(c for c, t in types.items() if t in xml),
                       reason="the warehouse's PostgreSQL is built without libxml: xml values kept as text, unchecked"))
    fitted = {c: t if known[t][0] else ("text[]" if t.endswith("[]") else "text") for c, t in types.items()}
    # an extension type the warehouse has, or xml it can parse: raw may hold it as text from before
    kept = [c for c, t in types.items() if known[t] == (True, True) or (t in xml and known[t][0])]
    if kept and raw_table:
        stored = dict(conn.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = to_regclass(%s) AND attname = ANY(%s) AND NOT attisdropped",
            (sql.Identifier("raw", raw_table).as_string(conn), kept)).fetchall())
        for c in kept:
            text_form = "text[]" if types[c].endswith("[]") else "text"
            if stored.get(c) == text_form:
                fitted[c] = text_form
    return fitted


def fit_schema(conn: psycopg.Connection, schema, raw_table: str):
    """``schema`` (a discovered TableSchema) with every column type the warehouse can create."""
    fitted = fit_to_warehouse(conn, {c.name: c.data_type for c in schema.columns}, f"table raw.{raw_table}",
                              raw_table)
    if all(fitted[c.name] == c.data_type for c in schema.columns):
        return schema
    return dataclasses.replace(schema, columns=[dataclasses.replace(c, data_type=fitted[c.name])
                                                for c in schema.columns])


_EQUALITY: dict[str, bool] = {}  # type -> has `=` (built-in and extension types do not change under us)


def has_equality(conn: psycopg.Connection, data_type: str) -> bool:
    """Whether PostgreSQL can compare two values of ``data_type`` with ``=`` (an array: its element type);
    asked once per type and process, in a savepoint of the caller's transaction."""
    probe = _element(data_type)
    if probe not in _EQUALITY:
        try:
            with conn.transaction():
                conn.execute(sql.SQL("SELECT NULL::{0} IS DISTINCT FROM NULL::{0}").format(sql.SQL(probe)))
            _EQUALITY[probe] = True
        except psycopg.errors.UndefinedFunction:
            _EQUALITY[probe] = False
    return _EQUALITY[probe]


def comparable(conn: psycopg.Connection, alias: str, quoted: list[str], types: list[str]) -> sql.Composable:
    """``alias.col`` for each column, as its canonical text form where its type has no equality operator:
    the list a row comparison (IS DISTINCT FROM) can use."""
    parts = [f"{alias}.{q}" if has_equality(conn, t) else f"{alias}.{q}::text" for q, t in zip(quoted, types)]
    return sql.SQL(", ".join(parts))
