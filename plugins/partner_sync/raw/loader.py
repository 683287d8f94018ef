"""Stream one source table into its raw mirror: COPY -> staging -> upsert, in one transaction.

Same types on both ends: bytes flow COPY TO -> COPY FROM in binary, untouched by Python. When the
types differ (widened raw columns, YAML type overrides) or the typed COPY rejects a value, the rows
are staged as text, each column checked with ``pg_input_is_valid``, and bad rows go to
ops.quarantine naming table, key and column; the rest loads. A crash anywhere leaves raw as it was.
"""

from __future__ import annotations

import logging
import time
import uuid
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Iterable, Mapping, Sequence

import psycopg
from psycopg import sql

from partner_sync.config import ConnSpec
from partner_sync.database import connect
from partner_sync.logs import kv
from partner_sync.raw import schema as raw_schema
from partner_sync.raw.discovery import TableSchema
from partner_sync.raw.row_feed import RowFeed
from partner_sync.raw.watermarks import Window, advance_watermark, compute_window
from partner_sync.sql_files import load_sql

log = logging.getLogger(__name__)
SESSION_SETTINGS = ("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; "
                    "SET extra_float_digits = 1; SET bytea_output = 'hex'")
_DATA_ERRORS = (psycopg.errors.DataError, psycopg.errors.IntegrityConstraintViolation,
                psycopg.errors.InvalidTextRepresentation, psycopg.errors.BadCopyFileFormat,
                psycopg.errors.InvalidBinaryRepresentation)


class TableBusy(RuntimeError):
    """Another sync holds this raw table's lock."""


class LoadError(RuntimeError):
    """A table failed; raw is as it was before this load."""


@dataclass
class LoadOptions:
    full: bool = False
    overlap: timedelta = timedelta(minutes=5)
    data_interval: tuple[datetime, datetime] | None = None  # backfill: exactly this interval
    upper_bound: datetime | None = None  # scheduled run: from the watermark up to the run's interval end
    lock_wait_seconds: float = 60.0
    deletions: bool = True
    progress_seconds: float = 5.0
    analyze_target: int = 10


@dataclass
class TableLoad:
    """What one table load did; also the per-table detail stored in the job."""

    table: str
    raw_table: str
    staged: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    deleted: int = 0
    revived: int = 0
    bytes: int = 0
    seconds: float = 0.0
    path: str = "binary"
    window: dict = field(default_factory=dict)
    drift: dict = field(default_factory=dict)
    watermark: str | None = None
    created: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Ctx:
    """Names for one load, composed once."""

    source: str
    schema: TableSchema
    raw_table: str
    raw_types: dict[str, str]
    job_id: uuid.UUID
    batch_id: uuid.UUID
    include_dir: object
    source_schema: str = "public"
    key_unique: bool = False  # the source guarantees unique keys: no duplicate check needed

    @property
    def raw(self) -> sql.Identifier:
        return sql.Identifier(raw_schema.RAW_SCHEMA, self.raw_table)

    @property
    def src(self) -> sql.Identifier:
        return sql.Identifier(self.source_schema, self.schema.name)

    @property
    def cols(self) -> sql.Composable:
        return sql.SQL(", ").join(map(sql.Identifier, self.schema.column_names))

    def key_text(self, alias: str) -> sql.Composable:
        keys = [sql.SQL("{}.{}::text").format(sql.Identifier(alias), sql.Identifier(k))
                for k in self.schema.primary_key]
        return keys[0] if len(keys) == 1 else sql.SQL("concat_ws(',', {})").format(sql.SQL(", ").join(keys))

    def key_hash(self, alias: str) -> sql.Composable:
        """A 64-bit hash of the key: integer keys hash as integers (no text cast), others as text."""
        keys = self.schema.primary_key
        if len(keys) == 1 and self.raw_types.get(keys[0]) in ("smallint", "integer", "bigint"):
            return sql.SQL("hashint8extended({}.{}::int8, 0)").format(sql.Identifier(alias), sql.Identifier(keys[0]))
        return sql.SQL("hashtextextended({}, 0)").format(self.key_text(alias))

    def null_key(self, alias: str) -> sql.Composable:
        return sql.SQL(" OR ").join(sql.SQL("{}.{} IS NULL").format(sql.Identifier(alias), sql.Identifier(k))
                                    for k in self.schema.primary_key)

    def tmpl(self, name: str, **parts: sql.Composable) -> sql.Composed:
        return sql.SQL(load_sql(self.include_dir, f"raw/{name}")).format(**parts)

    def params(self) -> dict:
        return {"job_id": self.job_id, "batch_id": self.batch_id, "source_system": self.source,
                "table_name": self.schema.name}


def _pipe(src: psycopg.Connection, dst: psycopg.Connection, out_stmt: sql.Composable, in_stmt: sql.Composable,
          label: str, progress_seconds: float) -> tuple[int, int]:
    """COPY ... TO STDOUT on the source straight into COPY ... FROM STDIN; returns (rows, bytes)."""
    nbytes, started, last = 0, time.monotonic(), time.monotonic()
    with src.cursor() as scur, dst.cursor() as dcur:
        with scur.copy(out_stmt) as out, dcur.copy(in_stmt) as inp:
            for block in out:
                inp.write(block)
                nbytes += len(block)
                now = time.monotonic()
                if now - last >= progress_seconds:
                    last = now
                    log.info(kv("load.progress", table=label, mb=round(nbytes / 1e6, 1),
                                mb_per_s=round(nbytes / 1e6 / (now - started), 1)))
        return dcur.rowcount, nbytes


def _lock(wh: psycopg.Connection, raw_table: str, wait: float) -> None:
    wh.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(f"{int(wait * 1000)}ms")))
    try:
        wh.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 42))", (f"raw.{raw_table}",))
    except psycopg.errors.LockNotAvailable:
        raise TableBusy(f"raw.{raw_table} is being loaded by another sync; gave up after waiting {wait:g}s") from None
    wh.execute("SET LOCAL lock_timeout = 0")


def _prepare_table(wh: psycopg.Connection, source: str, raw_table: str, schema: TableSchema, result: TableLoad
                   ) -> dict[str, str]:
    """Create or evolve raw.<table>; returns the raw type of every mirrored column."""
    existing = raw_schema.existing_columns(wh, raw_table)
    if existing is None:
        wh.execute(raw_schema.create_table_sql(source, raw_table, schema))
        result.created = True
        return {c.name: c.data_type for c in schema.columns}
    plan = raw_schema.plan_drift(raw_table, existing, schema)
    if plan.refused:
        raise raw_schema.DriftRefused(raw_schema.refuse_message(source, raw_table, plan))
    for stmt in raw_schema.alter_sql(raw_table, plan):
        wh.execute(stmt)
    result.drift = {k: v for k, v in plan.as_dict().items() if v}
    if result.drift:
        log.warning(kv("raw.drift", table=f"raw.{raw_table}", **{k: ",".join(v) for k, v in result.drift.items()}))
    types = {c.name: c.data_type for c in schema.columns}
    for col, raw_type, _ in plan.keep_wider:
        types[col] = raw_type
    return types


def _select(ctx: _Ctx, window: Window, cursor: str | None, only_keys: list[tuple] | None = None) -> sql.Composed:
    cond = window.where(cursor) if cursor else sql.SQL("TRUE")
    if only_keys is not None:
        pk = sql.SQL(", ").join(map(sql.Identifier, ctx.schema.primary_key))
        keys = sql.SQL(", ").join(sql.SQL("({})").format(sql.SQL(", ").join(map(sql.Literal, k))) for k in only_keys)
        cond = sql.SQL("({}) IN ({})").format(pk, keys) if only_keys else sql.SQL("FALSE")
    return sql.SQL("SELECT {} FROM {} WHERE {}").format(ctx.cols, ctx.src, cond)


def _stage_text(src, wh, ctx: _Ctx, select: sql.Composable, result: TableLoad, opts: LoadOptions,
                feed: RowFeed | None = None) -> int:
    """Validating path: text staging, per-column checks, quarantine, cast the good rows."""
    tstage, bad, stage = sql.Identifier("_stg_text"), sql.Identifier("_stg_bad"), sql.Identifier("_stg")
    text_cols = sql.SQL(", ").join(sql.SQL("NULL::text AS {}").format(sql.Identifier(c))
                                   for c in ctx.schema.column_names)
    wh.execute(ctx.tmpl("stage_text_create", tstage=tstage, bad=bad, raw=ctx.raw, text_cols=text_cols))
    if feed is None:
        _, result.bytes = _pipe(src, wh, sql.SQL("COPY ({}) TO STDOUT").format(select),
                                sql.SQL("COPY {} ({}) FROM STDIN").format(tstage, ctx.cols), ctx.raw_table,
                                opts.progress_seconds)
    else:
        _, result.bytes = feed.copy_into(wh, tstage, ctx.schema.column_names)
        if feed.bad:
            with wh.cursor().copy(sql.SQL("COPY {} (_row_no, column_name, message) FROM STDIN").format(bad)) as cp:
                for entry in feed.bad:
                    cp.write_row(entry)
    for col in ctx.schema.column_names:
        typ = ctx.raw_types[col]
        if typ == "text":
            continue
        wh.execute(ctx.tmpl("find_invalid", bad=bad, tstage=tstage, col=sql.Identifier(col),
                            column_name=sql.Literal(col), type_name=sql.Literal(typ)))
    pk = ctx.schema.primary_key
    wh.execute(ctx.tmpl("find_null_keys_text", bad=bad, tstage=tstage, column_name=sql.Literal(",".join(pk)),
                        null_key=ctx.null_key("t")))
    cur = wh.execute(ctx.tmpl("quarantine_text", bad=bad, tstage=tstage, key_text=ctx.key_text("t")), ctx.params())
    result.quarantined = cur.rowcount
    casts = sql.SQL(", ").join(sql.SQL("t.{}::{}").format(sql.Identifier(c), sql.SQL(ctx.raw_types[c]))
                               for c in ctx.schema.column_names)
    cur = wh.execute(ctx.tmpl("stage_from_text", stage=stage, tstage=tstage, bad=bad, cols=ctx.cols, casts=casts))
    return cur.rowcount


def _source_fingerprint(src, ctx: _Ctx) -> tuple[int, object]:
    row = src.execute(ctx.tmpl("key_fingerprint", key_hash=ctx.key_hash("s"), table=ctx.src,
                               filter=sql.SQL("NOT ({})").format(ctx.null_key("s")))).fetchone()
    return row[0], row[1]


def _store_fingerprint(wh, ctx: _Ctx, fp: tuple[int, object]) -> None:
    wh.execute(load_sql(ctx.include_dir, "raw/store_key_fingerprint"),
               {**ctx.params(), "key_count": fp[0], "key_hash": fp[1]})


def _mark_deletions(src, wh, ctx: _Ctx, result: TableLoad, source_keys: Iterable[Sequence] | None = None) -> None:
    """Full key scan (ids only): rows gone from the source get _deleted_at; returning ones are revived.

    A fingerprint (count + sum of key hashes) of the source key set is kept per table: when it has not
    changed since the last load, raw already holds exactly those keys and no key crosses the wire.
    """
    pk = ctx.schema.primary_key
    keys = sql.Identifier("_stg_keys")
    kcols = sql.SQL(", ").join(map(sql.Identifier, pk))
    src_fp = None
    if source_keys is None:
        src_fp = _source_fingerprint(src, ctx)
        stored = wh.execute(load_sql(ctx.include_dir, "raw/read_key_fingerprint"), ctx.params()).fetchone()
        if stored and tuple(stored) == src_fp:
            return
        raw_fp = wh.execute(ctx.tmpl("key_fingerprint", key_hash=ctx.key_hash("s"), table=ctx.raw,
                                     filter=sql.SQL("s._deleted_at IS NULL"))).fetchone()
        if tuple(raw_fp) == src_fp:
            _store_fingerprint(wh, ctx, src_fp)
            return  # same key set on both sides: nothing deleted, nothing to revive
    wh.execute(sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
        keys, kcols, ctx.raw))
    if source_keys is not None:
        RowFeed(source_keys).copy_into(wh, keys, list(pk))
    else:
        same_types = all(ctx.schema.column(k).source_type == ctx.raw_types[k] for k in pk)
        fmt = sql.SQL(" (FORMAT BINARY)") if same_types else sql.SQL("")
        _pipe(src, wh, sql.SQL("COPY (SELECT {} FROM {} AS s WHERE NOT ({})) TO STDOUT{}").format(
            kcols, ctx.src, ctx.null_key("s"), fmt),
            sql.SQL("COPY {} ({}) FROM STDIN{}").format(keys, kcols, fmt), ctx.raw_table, 3600)
    wh.execute(sql.SQL("CREATE INDEX ON {} ({})").format(keys, kcols))
    wh.execute(sql.SQL("ANALYZE {}").format(keys))
    join = sql.SQL(" AND ").join(sql.SQL("k.{0} = r.{0}").format(sql.Identifier(k)) for k in pk)
    result.deleted = wh.execute(ctx.tmpl("mark_deleted", raw=ctx.raw, keys=keys, join=join),
                                ctx.params()).rowcount
    result.revived = wh.execute(ctx.tmpl("revive", raw=ctx.raw, keys=keys, join=join), ctx.params()).rowcount
    if src_fp is not None:
        _store_fingerprint(wh, ctx, src_fp)


def _copy_direct(src, wh, ctx: _Ctx, select: sql.Composable, result: TableLoad, opts: LoadOptions) -> bool:
    """First load of an empty mirror: binary COPY straight into raw. False (nothing kept) if a row is refused."""
    try:
        with wh.transaction():
            result.staged, result.bytes = _pipe(
                src, wh, sql.SQL("COPY ({}) TO STDOUT (FORMAT BINARY)").format(select),
                sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(ctx.raw, ctx.cols),
                ctx.raw_table, opts.progress_seconds)
    except (*_DATA_ERRORS, psycopg.errors.UniqueViolation) as exc:
        log.warning(kv("load.fallback", table=f"raw.{ctx.raw_table}", reason=str(exc).splitlines()[0]))
        result.staged = result.bytes = 0
        return False
    if any(ctx.schema.column(k).nullable for k in ctx.schema.primary_key):
        result.quarantined = wh.execute(ctx.tmpl(
            "quarantine_null_keys", stage=ctx.raw, null_key=ctx.null_key("s"),
            column_name=sql.Literal(",".join(ctx.schema.primary_key))), ctx.params()).rowcount
        result.staged -= result.quarantined
    result.inserted, result.path = result.staged, "direct"
    return True


def _staged_load(src, wh, ctx: _Ctx, select: sql.Composable, result: TableLoad, opts: LoadOptions,
                 same_types: bool, rows: Iterable | None) -> None:
    """Stage (binary when types match, else validated text), then upsert only what changed."""
    stage = sql.Identifier("_stg")
    schema = ctx.schema
    wh.execute(ctx.tmpl("stage_create", stage=stage, cols=ctx.cols, raw=ctx.raw))
    staged = None
    if same_types and rows is None:
        try:
            with wh.transaction():  # savepoint: a rejected value falls back to the validating path
                staged, result.bytes = _pipe(
                    src, wh, sql.SQL("COPY ({}) TO STDOUT (FORMAT BINARY)").format(select),
                    sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(stage, ctx.cols),
                    ctx.raw_table, opts.progress_seconds)
                if any(schema.column(k).nullable for k in schema.primary_key):
                    cur = wh.execute(ctx.tmpl("quarantine_null_keys", stage=stage, null_key=ctx.null_key("s"),
                                              column_name=sql.Literal(",".join(schema.primary_key))),
                                     ctx.params())
                    result.quarantined = cur.rowcount
                    staged -= cur.rowcount
        except _DATA_ERRORS as exc:
            log.warning(kv("load.fallback", table=f"raw.{ctx.raw_table}", reason=str(exc).splitlines()[0]))
            staged = None
    if staged is None:
        result.path = "validated"
        staged = _stage_text(src, wh, ctx, select, result, opts, RowFeed(rows) if rows is not None else None)
    result.staged = staged
    s_cols = sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(c)) for c in schema.column_names)
    r_cols = sql.SQL(", ").join(sql.SQL("r.{}").format(sql.Identifier(c)) for c in schema.column_names)
    join = sql.SQL(" AND ").join(sql.SQL("r.{0} = s.{0}").format(sql.Identifier(k)) for k in schema.primary_key)
    dups = wh.execute(ctx.tmpl("duplicate_keys", key_text=ctx.key_text("s"), stage=stage,
                               pk_s=sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(k))
                                                       for k in schema.primary_key))).fetchall() \
        if not ctx.key_unique else []
    if dups:
        raise LoadError(f"source {ctx.source}: table {schema.name}: primary key ({', '.join(schema.primary_key)}) "
                        f"is not unique at the source, e.g. key {dups[0][0]!r} appears {dups[0][1]} times; "
                        "raw left as it was")
    ins, upd = wh.execute(ctx.tmpl("upsert", raw=ctx.raw, cols=ctx.cols, stage=stage, s_cols=s_cols, r_cols=r_cols,
                                   join=join), ctx.params()).fetchone()
    result.inserted, result.updated = ins, upd
    result.unchanged = staged - ins - upd


def load_table(source_conn: ConnSpec | None, warehouse_conn: ConnSpec | str, source: str, schema: TableSchema, *,
               raw_table: str, job_id: uuid.UUID, include_dir, options: LoadOptions | None = None,
               source_schema: str = "public", only_keys: list[tuple] | None = None,
               rows: Iterable[Sequence | Mapping] | None = None,
               source_keys: Iterable[Sequence] | None = None) -> TableLoad:
    """Load one table in one warehouse transaction; on any error raw (and the watermark) stay as they were.

    ``source_conn`` is a database source; API sources pass ``rows`` (values in the discovered column order,
    or mappings) and, for deletion detection, every current ``source_keys`` instead, with ``source_conn`` None.
    """
    opts = options or LoadOptions()
    result = TableLoad(schema.name, raw_table)
    started = time.monotonic()
    batch_id = uuid.uuid4()
    with ExitStack() as stack:
        wh = stack.enter_context(connect(warehouse_conn))
        src = None
        if rows is None:
            src = stack.enter_context(connect(source_conn))
            src.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ  # one snapshot for rows and keys
            src.read_only = True
            src.execute(SESSION_SETTINGS)
        wh.execute(SESSION_SETTINGS)
        wh.commit()
        with wh.transaction():
            _lock(wh, raw_table, opts.lock_wait_seconds)
            raw_types = _prepare_table(wh, source, raw_table, schema, result)
            ctx = _Ctx(source, schema, raw_table, raw_types, job_id, batch_id, include_dir, source_schema)
            if src is not None:
                ctx.key_unique = src.execute(load_sql(include_dir, "raw/source_key_unique"), {
                    "table": ctx.src.as_string(src), "columns": sorted(schema.primary_key)}).fetchone()[0]
            cursor_type = raw_types.get(schema.cursor) if schema.cursor else None
            window = compute_window(wh, include_dir, source, schema.name, schema.cursor, cursor_type,
                                    full=opts.full, overlap=opts.overlap, data_interval=opts.data_interval,
                                    upper_bound=opts.upper_bound)
            result.window = window.as_dict()
            select = _select(ctx, window, schema.cursor, only_keys)
            wh.execute("SELECT set_config('partner_sync.batch_id', %s, true)", (str(batch_id),))
            same_types = all(c.source_type == raw_types[c.name] for c in schema.columns)
            empty = wh.execute(sql.SQL("SELECT NOT EXISTS (SELECT 1 FROM {})").format(ctx.raw)).fetchone()[0]
            if (empty and same_types and rows is None and only_keys is None
                    and _copy_direct(src, wh, ctx, select, result, opts)):
                newest_from = ctx.raw  # an empty mirror: every row was an insert, straight in
                if opts.deletions:
                    _store_fingerprint(wh, ctx, _source_fingerprint(src, ctx))
            else:
                _staged_load(src, wh, ctx, select, result, opts, same_types, rows)
                if opts.deletions and (src is not None or source_keys is not None):
                    _mark_deletions(src, wh, ctx, result, source_keys)
                newest_from = sql.Identifier("_stg")
            if schema.cursor:
                result.watermark = wh.execute(sql.SQL("SELECT max({})::text FROM {}").format(
                    sql.Identifier(schema.cursor), newest_from)).fetchone()[0]
                advance_watermark(wh, include_dir, source, schema.name, schema.cursor, cursor_type,
                                  result.watermark, job_id)
        if src is not None:
            src.rollback()
        if result.inserted + result.updated > 10_000:
            # fresh statistics for the transforms; a small sample keeps it cheap on 180-column mirrors
            wh.autocommit = True
            wh.execute(sql.SQL("SET default_statistics_target = {}").format(sql.Literal(opts.analyze_target)))
            wh.execute(sql.SQL("ANALYZE {}").format(ctx.raw))
    result.seconds = round(time.monotonic() - started, 3)
    log.info(kv("load.table", table=f"raw.{raw_table}", batch=batch_id, staged=result.staged,
                inserted=result.inserted, updated=result.updated, unchanged=result.unchanged,
                quarantined=result.quarantined, deleted=result.deleted, revived=result.revived,
                path=result.path, seconds=result.seconds))
    return result
