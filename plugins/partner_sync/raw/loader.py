"""Stream one source table into its raw mirror: COPY -> staging -> upsert, in one transaction.

Same types on both ends: bytes flow COPY TO -> COPY FROM in binary, untouched by Python. When the
types differ (widened raw columns, YAML type overrides) or the typed COPY rejects a value, the rows
are staged as text, each column checked with ``pg_input_is_valid``, and bad rows go to
ops.quarantine naming table, key and column; the rest loads. A crash anywhere leaves raw as it was.
An incremental window whose (key, cursor) pairs raw already holds is not staged at all.
"""

from __future__ import annotations

import logging
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
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
from partner_sync.raw import warehouse_types
from partner_sync.raw.discovery import TableSchema
from partner_sync.raw.row_feed import RowFeed
from partner_sync.raw.watermarks import Window, advance_watermark, compute_window
from partner_sync.sql_files import load_sql

log = logging.getLogger(__name__)
SESSION_SETTINGS = ("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; "
                    "SET extra_float_digits = 1; SET bytea_output = 'hex'")
WINDOW_CHECK_MAX_ROWS = 100  # a larger window has changes for sure: stage it without asking
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
    quoted: list[str] = field(default_factory=list)  # every column name, quoted once (wide tables: ~1k uses)

    def quote(self, conn: psycopg.Connection) -> None:
        self.quoted = [sql.Identifier(c).as_string(conn) for c in self.schema.column_names]

    @property
    def raw(self) -> sql.Identifier:
        return sql.Identifier(raw_schema.RAW_SCHEMA, self.raw_table)

    @property
    def src(self) -> sql.Identifier:
        return sql.Identifier(self.source_schema, self.schema.name)

    @property
    def cols(self) -> sql.Composable:
        return self.cols_of("")

    def cols_of(self, alias: str) -> sql.Composable:
        """The column list, each prefixed with ``alias.`` when given (aliases are the loader's own)."""
        prefix = f"{alias}." if alias else ""
        return sql.SQL(", ".join(prefix + q for q in self.quoted))

    def key_text(self, alias: str) -> sql.Composable:
        keys = [sql.SQL("{}.{}::text").format(sql.Identifier(alias), sql.Identifier(k))
                for k in self.schema.primary_key]
        return keys[0] if len(keys) == 1 else sql.SQL("concat_ws(',', {})").format(sql.SQL(", ").join(keys))

    def key_hash(self, alias: str) -> sql.Composable:
        """A 64-bit hash of the key: integer keys hash as integers (no text cast), others as text. Decided on
        the discovered type, the same for source and raw (drift may only widen an integer to an integer)."""
        keys = self.schema.primary_key
        if len(keys) == 1 and self.schema.column(keys[0]).data_type in ("smallint", "integer", "bigint"):
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


def _begin_locked(wh: psycopg.Connection, raw_table: str, wait: float) -> None:
    """Session settings, then this table's advisory lock waiting at most ``wait``: one round trip."""
    try:
        wh.execute(sql.SQL("{}; SET LOCAL lock_timeout = {}; SELECT pg_advisory_xact_lock(hashtextextended({}, 42)); "
                           "SET LOCAL lock_timeout = 0").format(
            sql.SQL(SESSION_SETTINGS), sql.Literal(f"{int(wait * 1000)}ms"), sql.Literal(f"raw.{raw_table}")))
    except psycopg.errors.LockNotAvailable:
        raise TableBusy(f"raw.{raw_table} is being loaded by another sync; gave up after waiting {wait:g}s") from None


def _prepare_table(wh: psycopg.Connection, source: str, raw_table: str, schema: TableSchema, result: TableLoad
                   ) -> dict[str, str]:
    """Create or evolve raw.<table>; returns the raw type of every mirrored column."""
    raw_schema.check_reserved(source, raw_table, schema)  # on every load: a column may be added later
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


def _select(ctx: _Ctx, window: Window, cursor: str | None, only_keys: list[tuple] | None = None, *,
            with_batch_id: bool = False) -> sql.Composed:
    """The window's rows at the source; ``with_batch_id`` adds this load's batch id as a last column, so a
    direct COPY fills raw's _sync_batch_id from the stream (its per-row default costs a third of the COPY)."""
    cond = window.where(cursor) if cursor else sql.SQL("TRUE")
    if only_keys is not None:
        pk = sql.SQL(", ").join(map(sql.Identifier, ctx.schema.primary_key))
        keys = sql.SQL(", ").join(sql.SQL("({})").format(sql.SQL(", ").join(map(sql.Literal, k))) for k in only_keys)
        cond = sql.SQL("({}) IN ({})").format(pk, keys) if only_keys else sql.SQL("FALSE")
    cols = sql.SQL("{}, {}::uuid").format(ctx.cols, sql.Literal(str(ctx.batch_id))) if with_batch_id else ctx.cols
    return sql.SQL("SELECT {} FROM {} WHERE {}").format(cols, ctx.src, cond)


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
            with wh.cursor().copy(sql.SQL("COPY {} (_raw_id, column_name, message) FROM STDIN").format(bad)) as cp:
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
    """Count and hash-sum of the source's keys in one backend: parallel workers would cost the source (a live
    OLTP system) more than they save on an index-only scan. One round trip for both statements."""
    cur = src.execute(sql.SQL("SET LOCAL max_parallel_workers_per_gather = 0; {}").format(ctx.tmpl(
        "key_fingerprint", key_hash=ctx.key_hash("s"), table=ctx.src,
        filter=sql.SQL("NOT ({})").format(ctx.null_key("s")))))
    cur.nextset()
    row = cur.fetchone()
    return row[0], row[1]


def _store_fingerprint(wh, ctx: _Ctx, fp: tuple[int, object]) -> None:
    wh.execute(load_sql(ctx.include_dir, "raw/store_key_fingerprint"),
               {**ctx.params(), "key_count": fp[0], "key_hash": fp[1]})


def _mark_deletions(src, wh, ctx: _Ctx, result: TableLoad, source_keys: Iterable[Sequence] | None = None,
                    src_fp_pending: Future | None = None) -> None:
    """Full key scan (ids only): rows gone from the source get _deleted_at; returning ones are revived.

    A fingerprint (count + sum of key hashes) of the source key set is kept per table: when it has not
    changed since the last load, raw already holds exactly those keys and no key crosses the wire.
    """
    pk = ctx.schema.primary_key
    keys = sql.Identifier("_stg_keys")
    kcols = sql.SQL(", ").join(map(sql.Identifier, pk))
    src_fp = None
    if source_keys is None:
        src_fp = src_fp_pending.result() if src_fp_pending is not None else _source_fingerprint(src, ctx)
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


def _copy_direct(src, wh, ctx: _Ctx, window: Window, result: TableLoad, opts: LoadOptions) -> bool:
    """First load of an empty mirror: binary COPY straight into raw. False (nothing kept) if a row is refused."""
    select = _select(ctx, window, ctx.schema.cursor, with_batch_id=True)
    try:
        with wh.transaction():
            result.staged, result.bytes = _pipe(
                src, wh, sql.SQL("COPY ({}) TO STDOUT (FORMAT BINARY)").format(select),
                sql.SQL("COPY {} ({}, _sync_batch_id) FROM STDIN (FORMAT BINARY)").format(ctx.raw, ctx.cols),
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


def _stage(src, wh, ctx: _Ctx, select: sql.Composable, result: TableLoad, opts: LoadOptions,
           same_types: bool, rows: Iterable | None) -> None:
    """Stage the window's rows: binary when types match, else validated text with quarantine."""
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


def _window_in_raw(src, wh, ctx: _Ctx, window: Window) -> tuple[int, str | None] | None:
    """(rows, newest cursor) when raw already holds every row of the window as a live row with the same key
    and cursor value, else None (stage and compare as usual).

    The cursor contract of incremental loads: a row whose cursor did not move did not change (writes that
    skip the cursor are what ``--reconcile`` finds). It spares a no-change run the staging table, the COPY
    and the wide upsert for the rows the overlap re-reads every time."""
    schema, cursor = ctx.schema, ctx.schema.cursor
    names = list(dict.fromkeys([*schema.primary_key, cursor]))
    n, newest, pairs, null_keys = src.execute(ctx.tmpl(
        "window_pairs", cursor=sql.Identifier(cursor), null_key=ctx.null_key("s"), table=ctx.src,
        window=window.where(cursor), limit=sql.Literal(WINDOW_CHECK_MAX_ROWS + 1),
        cols=sql.SQL(", ").join(map(sql.Identifier, names)),
        pair=sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(c)) for c in names))).fetchone()
    if n > WINDOW_CHECK_MAX_ROWS or null_keys:
        return None
    if n == 0:
        return 0, None
    join = sql.SQL(" AND ").join(
        sql.SQL("r.{} = (w.e->>{})::{}").format(sql.Identifier(c), sql.Literal(i), sql.SQL(ctx.raw_types[c]))
        for i, c in enumerate(names))
    held = wh.execute(ctx.tmpl("window_in_raw", raw=ctx.raw, join=join), {"pairs": pairs}).fetchone()[0]
    return (n, newest) if held == n else None


def _upsert(wh, ctx: _Ctx, result: TableLoad) -> None:
    """Staged rows into raw, changing only what differs; a key twice in the batch fails the table."""
    stage, schema = sql.Identifier("_stg"), ctx.schema
    s_cols, r_cols = ctx.cols_of("s"), ctx.cols_of("r")
    join = sql.SQL(" AND ").join(sql.SQL("r.{0} = s.{0}").format(sql.Identifier(k)) for k in schema.primary_key)
    dups = wh.execute(ctx.tmpl("duplicate_keys", key_text=ctx.key_text("s"), stage=stage,
                               pk_s=sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(k))
                                                       for k in schema.primary_key))).fetchall() \
        if not schema.key_enforced else []
    if dups:
        raise LoadError(f"source {ctx.source}: table {schema.name}: primary key ({', '.join(schema.primary_key)}) "
                        f"is not unique at the source, e.g. key {dups[0][0]!r} appears {dups[0][1]} times; "
                        "raw left as it was")
    # bound client-side: a server-side parameter makes the server keep a plan-cache copy of this very wide
    # statement, which costs more than the statement itself on a small batch
    ins, upd = psycopg.ClientCursor(wh).execute(ctx.tmpl(
        "upsert", raw=ctx.raw, cols=ctx.cols, stage=stage, s_cols=s_cols, r_cols=r_cols, join=join,
        **_comparable(wh, ctx)),
        ctx.params()).fetchone()
    result.inserted, result.updated = ins, upd
    result.unchanged = result.staged - ins - upd


def _comparable(wh, ctx: _Ctx) -> dict[str, sql.Composable]:
    types = [ctx.raw_types[c] for c in ctx.schema.column_names]
    return {f"{a}_cmp": warehouse_types.comparable(wh, a, ctx.quoted, types) for a in ("r", "s")}


def _newest(wh: psycopg.Connection, cursor: str, table: sql.Composable) -> str | None:
    return wh.execute(sql.SQL("SELECT max({})::text FROM {}").format(sql.Identifier(cursor), table)).fetchone()[0]


def _open(stack: ExitStack, conn: ConnSpec | str | psycopg.Connection) -> psycopg.Connection:
    """A connection passed open is borrowed (left open and idle for its owner); a spec is connected here."""
    if isinstance(conn, psycopg.Connection):
        conn.rollback()
        return conn
    return stack.enter_context(connect(conn))


def load_table(source_conn: ConnSpec | psycopg.Connection | None,
               warehouse_conn: ConnSpec | str | psycopg.Connection, source: str, schema: TableSchema, *,
               raw_table: str, job_id: uuid.UUID, include_dir, options: LoadOptions | None = None,
               source_schema: str = "public", only_keys: list[tuple] | None = None,
               rows: Iterable[Sequence | Mapping] | None = None,
               source_keys: Iterable[Sequence] | None = None) -> TableLoad:
    """Load one table in one warehouse transaction; on any error raw (and the watermark) stay as they were.

    ``source_conn`` is a database source; API sources pass ``rows`` (values in the discovered column order,
    or mappings) and, for deletion detection, every current ``source_keys`` instead, with ``source_conn`` None.
    Either connection may be passed open: it is borrowed (a run shares one per database across its tables).
    """
    opts = options or LoadOptions()
    result = TableLoad(schema.name, raw_table)
    started = time.monotonic()
    batch_id = uuid.uuid4()
    with ExitStack() as stack:
        wh = _open(stack, warehouse_conn)
        src = None
        if rows is None:
            src = _open(stack, source_conn)
            src.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ  # one snapshot for rows and keys
            src.read_only = True
            src.execute(SESSION_SETTINGS)
        ctx = _Ctx(source, schema, raw_table, {}, job_id, batch_id, include_dir, source_schema)
        # one background thread: the source counts its keys (a full index scan, for deletions) while the
        # warehouse prepares; the source's next statement waits for it, as they share the source connection
        with wh.transaction(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="key-fingerprint") as bg:
            src_fp = bg.submit(_source_fingerprint, src, ctx) if opts.deletions and src is not None else None
            _begin_locked(wh, raw_table, opts.lock_wait_seconds)
            ctx.schema = schema = warehouse_types.fit_schema(wh, schema, raw_table)  # extension types the warehouse lacks
            raw_types = ctx.raw_types = _prepare_table(wh, source, raw_table, schema, result)
            ctx.quote(wh)
            cursor_type = raw_types.get(schema.cursor) if schema.cursor else None
            window = compute_window(wh, include_dir, source, schema.name, schema.cursor, cursor_type,
                                    full=opts.full, overlap=opts.overlap, data_interval=opts.data_interval,
                                    upper_bound=opts.upper_bound)
            result.window = window.as_dict()
            select = _select(ctx, window, schema.cursor, only_keys)
            same_types = all(c.source_type == raw_types[c.name] for c in schema.columns)
            empty = wh.execute(sql.SQL("SELECT set_config('partner_sync.batch_id', {}, true), "
                                       "NOT EXISTS (SELECT 1 FROM {})").format(sql.Literal(str(batch_id)),
                                                                              ctx.raw)).fetchone()[1]
            wh.execute(load_sql(include_dir, "raw/record_batch"), ctx.params())  # commit order for the transforms
            if (empty and same_types and rows is None and only_keys is None
                    and _copy_direct(src, wh, ctx, window, result, opts)):
                if src_fp is not None:  # an empty mirror: every row was an insert, straight in
                    _store_fingerprint(wh, ctx, src_fp.result())
                if schema.cursor:
                    result.watermark = _newest(wh, schema.cursor, ctx.raw)
            else:
                held = None
                if (src is not None and only_keys is None and schema.cursor and not window.is_full
                        and schema.key_enforced and schema.cursor_indexed  # else reading twice costs more
                        and all(schema.column(c).source_type == raw_types[c]
                                for c in (*schema.primary_key, schema.cursor))):
                    held = _window_in_raw(src, wh, ctx, window)
                if held is not None:
                    result.staged = result.unchanged = held[0]
                    result.path, result.watermark = "window unchanged", held[1]
                else:
                    _stage(src, wh, ctx, select, result, opts, same_types, rows)
                    _upsert(wh, ctx, result)
                    if schema.cursor:
                        result.watermark = _newest(wh, schema.cursor, sql.Identifier("_stg"))
                if opts.deletions and (src is not None or source_keys is not None):
                    _mark_deletions(src, wh, ctx, result, source_keys, src_fp)
            if schema.cursor:
                advance_watermark(wh, include_dir, source, schema.name, schema.cursor, cursor_type,
                                  result.watermark, job_id)
        if src is not None:
            src.rollback()
        if result.inserted + result.updated > 10_000:
            # fresh statistics for the transforms; a small sample keeps it cheap on 180-column mirrors
            wh.autocommit = True
            try:
                wh.execute(sql.SQL("SET default_statistics_target = {}").format(sql.Literal(opts.analyze_target)))
                wh.execute(sql.SQL("ANALYZE {}").format(ctx.raw))
                wh.execute("RESET default_statistics_target")
            finally:
                wh.autocommit = False
    result.seconds = round(time.monotonic() - started, 3)
    log.info(kv("load.table", table=f"raw.{raw_table}", batch=batch_id, staged=result.staged,
                inserted=result.inserted, updated=result.updated, unchanged=result.unchanged,
                quarantined=result.quarantined, deleted=result.deleted, revived=result.revived,
                path=result.path, seconds=result.seconds))
    return result
