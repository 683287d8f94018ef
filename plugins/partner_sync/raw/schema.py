"""Raw table DDL from discovered columns, and the drift plan when the source changes.

Never lose data: new columns are added, vanished ones kept, types widened only when every stored
value still fits; anything else refuses the table with an error naming table, column and both types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from partner_sync.contracts import Column, TableSchema
from partner_sync.raw import warehouse_types

RAW_SCHEMA = "raw"
META_COLUMNS = ("_raw_id", "_ingested_at", "_source_system", "_sync_batch_id", "_deleted_at")


class DriftRefused(RuntimeError):
    """A source type change that cannot be applied without losing or corrupting stored values."""


@dataclass
class DriftPlan:
    """What happens to an existing raw table before this load."""

    add: list[Column] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    widen: list[tuple[str, str, str]] = field(default_factory=list)      # column, raw type, new type
    keep_wider: list[tuple[str, str, str]] = field(default_factory=list)  # raw already holds every value
    refused: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return bool(self.add or self.widen)

    def as_dict(self) -> dict:
        return {"added": [c.name for c in self.add], "gone": self.gone,
                "widened": [f"{c}: {a} -> {b}" for c, a, b in self.widen],
                "kept_wider": [f"{c}: {a} (source {b})" for c, a, b in self.keep_wider],
                "refused": [f"{c}: {a} -> {b}" for c, a, b in self.refused]}


_INT_RANK = {"smallint": 1, "integer": 2, "bigint": 3}
_FLOAT_RANK = {"real": 1, "double precision": 2}
_VARCHAR = re.compile(r"^character varying(?:\((\d+)\))?$")
_NUMERIC = re.compile(r"^numeric(?:\((\d+)(?:,(\d+))?\))?$")


def compare_types(old: str, new: str) -> str:
    """'same', 'widen' (alter raw to new), 'keep' (raw already wider) or 'refuse'."""
    if old == new:
        return "same"
    for ranks in (_INT_RANK, _FLOAT_RANK):
        if old in ranks and new in ranks:
            return "widen" if ranks[new] > ranks[old] else "keep"
    vo, vn = _VARCHAR.match(old), _VARCHAR.match(new)
    if (vo or old == "text") and (vn or new == "text"):
        size_old = None if old == "text" or not vo.group(1) else int(vo.group(1))
        size_new = None if new == "text" or not vn.group(1) else int(vn.group(1))
        if size_old is None:
            return "keep"
        return "widen" if size_new is None or size_new > size_old else "keep"
    no, nn = _NUMERIC.match(old), _NUMERIC.match(new)
    if no and nn:
        if not no.group(1):
            return "keep"
        if not nn.group(1):
            return "widen"
        po, so = int(no.group(1)), int(no.group(2) or 0)
        pn, sn = int(nn.group(1)), int(nn.group(2) or 0)
        if pn - sn >= po - so and sn >= so:
            return "widen"
        if po - so >= pn - sn and so >= sn:
            return "keep"
        return "refuse"
    if old == "timestamp without time zone" and new == "timestamp with time zone":
        return "widen"
    if old == "timestamp with time zone" and new == "timestamp without time zone":
        return "keep"
    return "refuse"


def existing_columns(conn: psycopg.Connection, raw_table: str) -> dict[str, str] | None:
    """Data columns of ``raw.<raw_table>`` with their types, or None when the table does not exist."""
    rows = conn.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (sql.Identifier(RAW_SCHEMA, raw_table).as_string(conn),)).fetchall()
    if not rows:
        return None
    return {name: typ for name, typ in rows if name not in META_COLUMNS}


def plan_drift(raw_table: str, existing: dict[str, str], discovered: TableSchema) -> DriftPlan:
    plan = DriftPlan()
    for col in discovered.columns:
        if col.name not in existing:
            plan.add.append(col)
            continue
        verdict = compare_types(existing[col.name], col.data_type)
        entry = (col.name, existing[col.name], col.data_type)
        {"widen": plan.widen, "keep": plan.keep_wider, "refuse": plan.refused}.get(verdict, []).append(entry)
    names = set(discovered.column_names)
    plan.gone = [c for c in existing if c not in names]
    return plan


def refuse_message(source: str, raw_table: str, plan: DriftPlan) -> str:
    changes = "; ".join(f"column {c}: {a} -> {b}" for c, a, b in plan.refused)
    return (f"source {source}: table raw.{raw_table}: incompatible type change, raw left as it was ({changes}). "
            "Widen the raw column by hand if the values allow it, or set column_types in the source YAML.")


def check_reserved(source: str, raw_table: str, schema: TableSchema) -> None:
    """Raw's metadata names belong to the loader: a source column with one of them (at creation or added
    later) is refused, naming table and column, before anything is written."""
    clash = [c for c in schema.column_names if c in META_COLUMNS]
    if clash:
        raise DriftRefused(
            f"source {source}: table {schema.name}: column(s) {', '.join(clash)} have the name of a metadata "
            f"column of raw.{raw_table} ({', '.join(META_COLUMNS)}); raw left as it was. Exclude the column in "
            f"include/sources/{source}.yml (exclude_columns), or mirror it under another name through a view at "
            "the source")


def create_table_sql(source: str, raw_table: str, schema: TableSchema) -> sql.Composed:
    check_reserved(source, raw_table, schema)
    cols = [sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(
        _check_type(c.data_type, f"source {source}: table raw.{raw_table}: column {c.name}"))) for c in schema.columns]
    return sql.SQL(
        "CREATE TABLE IF NOT EXISTS {table} ("
        "_raw_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
        "_ingested_at timestamptz NOT NULL DEFAULT now(), "
        "_source_system varchar(50) NOT NULL DEFAULT {source}, "
        "_sync_batch_id uuid DEFAULT nullif(current_setting('partner_sync.batch_id', true), '')::uuid, "
        "_deleted_at timestamptz, "
        "{cols}, UNIQUE ({pk}))").format(
        table=sql.Identifier(RAW_SCHEMA, raw_table), source=sql.Literal(source),
        cols=sql.SQL(", ").join(cols), pk=sql.SQL(", ").join(map(sql.Identifier, schema.primary_key)))


def _check_type(data_type: str, where: str) -> str:
    """Types come from the catalog (format_type) or the YAML; refuse anything that is not a type name."""
    try:
        return warehouse_types.check_type_name(data_type, where)
    except warehouse_types.UnsupportedType as exc:
        raise DriftRefused(str(exc)) from None


def alter_sql(raw_table: str, plan: DriftPlan) -> list[sql.Composed]:
    table = sql.Identifier(RAW_SCHEMA, raw_table)
    stmts = [sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} {}").format(
        table, sql.Identifier(c.name), sql.SQL(_check_type(c.data_type, f"table raw.{raw_table}: column {c.name}")))
        for c in plan.add]
    for col, old, new in plan.widen:
        using = (sql.SQL(" USING {} AT TIME ZONE 'UTC'").format(sql.Identifier(col))
                 if new == "timestamp with time zone" else sql.SQL(""))
        stmts.append(sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE {}{}").format(
            table, sql.Identifier(col), sql.SQL(_check_type(new, f"table raw.{raw_table}: column {col}")), using))
    return stmts


def raw_ddl(source: str, raw_table: str, schema: TableSchema) -> str:
    """Plain-text CREATE TABLE for the generated artifact (same statement the loader runs)."""
    return create_table_sql(source, raw_table, schema).as_string(None)
