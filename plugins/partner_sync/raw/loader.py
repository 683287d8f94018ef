"""Write one source table into its raw mirror: staging -> upsert, in one warehouse transaction.

Every mode takes the same path: the source's reader (``partner_sync.contracts.SourceReader``, opened by the
caller) is handed in. A reader with SQL access (the database mode) offers a snapshot: bytes flow its COPY TO
-> COPY FROM in binary, untouched by Python, columns whose source type differs from raw's cast at the
source; an API reader streams rows instead. When a value is refused (a YAML type override the data does not
meet) or rows arrive as Python values, they are staged as text, the columns that need it checked with
``pg_input_is_valid``, and bad rows go to ops.quarantine naming table, key and column; the rest loads. A crash
anywhere leaves raw as it was. An incremental window whose (key, cursor) pairs raw already holds is not
staged at all.
"""

from __future__ import annotations

import logging
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Iterable, Sequence

import psycopg
from psycopg import sql

from partner_sync import contracts
from partner_sync.config import ConnSpec
from partner_sync.contracts import SESSION_SETTINGS, TIME_TYPES, SourceReader, TableSchema, TableSnapshot, Window
from partner_sync.database import ConnectionLost, connect, is_connection_error, mask_dsn
from partner_sync.logs import kv
from partner_sync.raw import schema as raw_schema
from partner_sync.raw import warehouse_types
from partner_sync.raw.json_secrets import json_columns, loose_pattern, mask_json_secrets
from partner_sync.raw.row_feed import RowFeed
from partner_sync.raw.watermarks import BEYOND, advance_watermark, compute_window
from partner_sync.sql_files import load_sql

log = logging.getLogger(__name__)
WINDOW_CHECK_MAX_ROWS = 100  # a larger window has changes for sure: stage it without asking
_DATA_ERRORS = (psycopg.errors.DataError, psycopg.errors.IntegrityConstraintViolation,
                psycopg.errors.InvalidTextRepresentation, psycopg.errors.BadCopyFileFormat,
                psycopg.errors.InvalidBinaryRepresentation,
                # a cast at the source to the raw type that the source cannot make (type or cast missing there)
                psycopg.errors.CannotCoerce, psycopg.errors.UndefinedObject, psycopg.errors.DatatypeMismatch,
                psycopg.errors.UndefinedFunction)


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
    json_secret_patterns: tuple[str, ...] = ()  # keys masked inside json/jsonb columns (raw/json_secrets.py)
    future_tolerance: timedelta = timedelta(days=1)  # a cursor beyond now + this is quarantined, never a watermark


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
    quoted: list[str] = field(default_factory=list)
    casts: dict[str, str] = field(default_factory=dict)  # column -> raw type where the source type differs  # every column name, quoted once (wide tables: ~1k uses)

    def quote(self, conn: psycopg.Connection) -> None:
        self.quoted = [sql.Identifier(c).as_string(conn) for c in self.schema.column_names]

    @property
    def raw(self) -> sql.Identifier:
        return sql.Identifier(raw_schema.RAW_SCHEMA, self.raw_table)

    @property
    def cols(self) -> sql.Composable:
        return self.cols_of("")

    def cols_of(self, alias: str) -> sql.Composable:
        """The column list, each prefixed with ``alias.`` when given (aliases are the loader's own)."""
        prefix = f"{alias}." if alias else ""
        return sql.SQL(", ".join(prefix + q for q in self.quoted))

    def key_text(self, alias: str) -> sql.Composable:
        return contracts.key_text(self.schema, alias)

    def key_hash(self, alias: str) -> sql.Composable:
        return contracts.key_hash(self.schema, alias)

    def null_key(self, alias: str) -> sql.Composable:
        return contracts.null_key(self.schema, alias)

    def tmpl(self, name: str, **parts: sql.Composable) -> sql.Composed:
        return sql.SQL(load_sql(self.include_dir, f"raw/{name}")).format(**parts)

    def params(self) -> dict:
        return {"job_id": self.job_id, "batch_id": self.batch_id, "source_system": self.source,
                "table_name": self.schema.name}


def _pipe(copy_out, dst: psycopg.Connection, in_stmt: sql.Composable, label: str,
          progress_seconds: float) -> tuple[int, int]:
    """The source's COPY ... TO STDOUT (a snapshot's stream) straight into COPY ... FROM STDIN; returns
    (rows, bytes)."""
    nbytes, started, last = 0, time.monotonic(), time.monotonic()
    with dst.cursor() as dcur:
        with copy_out as out, dcur.copy(in_stmt) as inp:
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
    problem = raw_key_problem(wh, raw_table, schema.primary_key)
    if problem:
        raise LoadError(problem)
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


def _stage_text(snap: TableSnapshot | None, wh, ctx: _Ctx, window: Window, result: TableLoad, opts: LoadOptions,
                feed: RowFeed | None = None, only_keys: list[tuple] | None = None) -> int:
    """Validating path: text staging, per-column checks, quarantine, cast the good rows."""
    tstage, bad, stage = sql.Identifier("_stg_text"), sql.Identifier("_stg_bad"), sql.Identifier("_stg")
    text_cols = sql.SQL(", ").join(sql.SQL("NULL::text AS {}").format(sql.Identifier(c))
                                   for c in ctx.schema.column_names)
    wh.execute(ctx.tmpl("stage_text_create", tstage=tstage, bad=bad, raw=ctx.raw, text_cols=text_cols))
    if feed is None:
        _, result.bytes = _pipe(snap.copy_rows(window, binary=False, only_keys=only_keys), wh,
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
        if typ == "text" or (snap is not None and ctx.schema.column(col).source_type == typ):
            continue  # text takes anything; a value the source sent in raw's own type parses back as itself
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


def _store_fingerprint(wh, ctx: _Ctx, fp: tuple[int, object]) -> None:
    wh.execute(load_sql(ctx.include_dir, "raw/store_key_fingerprint"),
               {**ctx.params(), "key_count": fp[0], "key_hash": fp[1]})


def _mark_deletions(snap: TableSnapshot | None, wh, ctx: _Ctx, result: TableLoad,
                    source_keys: Iterable[Sequence] | None = None, src_fp_pending: Future | None = None,
                    window: Window | None = None, opts: LoadOptions | None = None) -> None:
    """Full key scan (ids only): rows gone from the source get _deleted_at; returning ones are revived.

    A fingerprint (count + sum of key hashes) of the source key set is kept per table: when it has not
    changed since the last load, raw already holds exactly those keys and no key crosses the wire.
    """
    pk = ctx.schema.primary_key
    keys = sql.Identifier("_stg_keys")
    kcols = sql.SQL(", ").join(map(sql.Identifier, pk))
    src_fp = None
    if source_keys is None:
        src_fp = src_fp_pending.result() if src_fp_pending is not None else snap.key_fingerprint()
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
        _pipe(snap.copy_keys(binary=same_types), wh,
              sql.SQL("COPY {} ({}) FROM STDIN{}").format(keys, kcols, fmt), ctx.raw_table, 3600)
    wh.execute(sql.SQL("CREATE INDEX ON {} ({})").format(keys, kcols))
    wh.execute(sql.SQL("ANALYZE {}").format(keys))
    join = sql.SQL(" AND ").join(sql.SQL("k.{0} = r.{0}").format(sql.Identifier(k)) for k in pk)
    result.deleted = wh.execute(ctx.tmpl("mark_deleted", raw=ctx.raw, keys=keys, join=join),
                                ctx.params()).rowcount
    missing = wh.execute(ctx.tmpl("keys_missing_from_raw", keys=keys, raw=ctx.raw, join=join,
                                  key_cols=sql.SQL(", ").join(sql.SQL("k.{}").format(sql.Identifier(k)) for k in pk),
                                  key_text=ctx.key_text("k")), ctx.params()).fetchall() \
        if window is not None and window.lower is not None and ctx.schema.cursor else []
    result.revived = wh.execute(ctx.tmpl("revive", raw=ctx.raw, keys=keys, join=join), ctx.params()).rowcount
    if missing:
        _load_missing_keys(snap, wh, ctx, result, opts, window, [tuple(k) for k in missing])
    if src_fp is not None:
        _store_fingerprint(wh, ctx, src_fp)


MISSING_KEYS_CHUNK = 5_000


def _load_missing_keys(snap: TableSnapshot | None, wh, ctx: _Ctx, result: TableLoad, opts: LoadOptions,
                       window: Window, keys: list[tuple]) -> None:
    """Rows of source keys raw lacks whose cursor lies before this window: loaded whatever their cursor (a
    source restored from a backup, or replaced), and noted in the job."""
    cursor = ctx.schema.cursor
    note = {"keys_missing_from_raw": len(keys)}
    if snap is None:  # an API reader cannot read single keys: say so; --full reads them
        note["missing_keys_loaded"] = 0
        note["missing_keys_note"] = f"mode has no read by key: run with --full to load the {len(keys)} row(s)"
        log.warning(kv("load.missing_keys", table=f"raw.{ctx.raw_table}", missing=len(keys), loaded=0))
        result.window = {**result.window, **note}
        return
    before = sql.SQL("NOT ({}) OR s.{} IS NULL").format(
        Window(window.lower, None, window.lower_inclusive).where(cursor), sql.Identifier(cursor))
    loaded = TableLoad(ctx.schema.name, ctx.raw_table)
    for i in range(0, len(keys), MISSING_KEYS_CHUNK):
        part = TableLoad(ctx.schema.name, ctx.raw_table)
        wh.execute("DROP TABLE IF EXISTS _stg, _stg_text, _stg_bad")
        same_types = True  # a snapshot streams binary; differing columns are cast at the source
        _stage(snap, wh, ctx, Window(), part, opts, same_types, None, keys[i:i + MISSING_KEYS_CHUNK])
        # rows in (or after) this window were read by the window; only the ones before it are missing
        gone = wh.execute(sql.SQL("DELETE FROM _stg s WHERE NOT ({})").format(before)).rowcount
        part.staged -= gone
        _quarantine_future_cursors(wh, ctx, sql.Identifier("_stg"), part, opts)
        if not ctx.schema.key_enforced:
            _quarantine_duplicates(snap, wh, ctx, Window(), part, same_types, keys[i:i + MISSING_KEYS_CHUNK])
        _upsert(wh, ctx, part)
        for k in ("staged", "inserted", "updated", "unchanged", "quarantined"):
            setattr(loaded, k, getattr(loaded, k) + getattr(part, k))
    for k in ("staged", "inserted", "updated", "unchanged", "quarantined"):
        setattr(result, k, getattr(result, k) + getattr(loaded, k))
    note["missing_keys_loaded"] = loaded.inserted + loaded.updated
    if note["missing_keys_loaded"]:
        note["missing_keys_note"] = (f"{note['missing_keys_loaded']} row(s) whose key raw lacked were loaded whatever "
                                     "their cursor (older than the watermark: a source restored or replaced?)")
    log.warning(kv("load.missing_keys", table=f"raw.{ctx.raw_table}", missing=len(keys),
                   loaded=note["missing_keys_loaded"], quarantined=loaded.quarantined))
    result.window = {**result.window, **note}


def _copy_direct(snap: TableSnapshot, wh, ctx: _Ctx, window: Window, result: TableLoad, opts: LoadOptions) -> bool:
    """First load of an empty mirror: binary COPY straight into raw. False (nothing kept) if a row is refused."""
    try:
        with wh.transaction():
            result.staged, result.bytes = _pipe(
                snap.copy_rows(window, binary=True, batch_id=str(ctx.batch_id), casts=ctx.casts), wh,
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
    _quarantine_future_cursors(wh, ctx, ctx.raw, result, opts,
                               sql.SQL("s._sync_batch_id = {}").format(sql.Literal(str(ctx.batch_id))))
    result.inserted, result.path = result.staged, "direct"
    return True


def _stage(snap: TableSnapshot | None, wh, ctx: _Ctx, window: Window, result: TableLoad, opts: LoadOptions,
           same_types: bool, rows: Iterable | None, only_keys: list[tuple] | None = None) -> None:
    """Stage the window's rows: binary when types match, else validated text with quarantine."""
    stage = sql.Identifier("_stg")
    schema = ctx.schema
    wh.execute(ctx.tmpl("stage_create", stage=stage, cols=ctx.cols, raw=ctx.raw))
    staged = None
    if same_types and snap is not None:
        try:
            with wh.transaction():  # savepoint: a rejected value falls back to the validating path
                staged, result.bytes = _pipe(
                    snap.copy_rows(window, binary=True, only_keys=only_keys, casts=ctx.casts), wh,
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
        staged = _stage_text(snap, wh, ctx, window, result, opts, RowFeed(rows) if rows is not None else None,
                             only_keys)
    result.staged = staged


def _window_in_raw(snap: TableSnapshot, wh, ctx: _Ctx, window: Window, tolerance: timedelta
                   ) -> tuple[int, str | None] | None:
    """(rows, newest cursor) when raw already holds every row of the window as a live row with the same key
    and cursor value, else None (stage and compare as usual).

    The cursor contract of incremental loads: a row whose cursor did not move did not change (writes that
    skip the cursor are what ``--reconcile`` finds). It spares a no-change run the staging table, the COPY
    and the wide upsert for the rows the overlap re-reads every time."""
    schema, cursor = ctx.schema, ctx.schema.cursor
    names = list(dict.fromkeys([*schema.primary_key, cursor]))
    n, newest, pairs, null_keys = snap.window_pairs(window, WINDOW_CHECK_MAX_ROWS + 1)
    if n > WINDOW_CHECK_MAX_ROWS or null_keys:
        return None
    if n == 0:
        return 0, None
    join = sql.SQL(" AND ").join(
        sql.SQL("r.{} = (w.e->>{})::{}").format(sql.Identifier(c), sql.Literal(i), sql.SQL(ctx.raw_types[c]))
        for i, c in enumerate(names))
    is_time = ctx.raw_types[cursor] in TIME_TYPES
    beyond = (sql.SQL("%(newest)s::{}::timestamptz > now() + %(tolerance)s::interval").format(
        sql.SQL(ctx.raw_types[cursor])) if is_time else sql.SQL("false"))
    held, too_new = wh.execute(ctx.tmpl("window_in_raw", raw=ctx.raw, join=join, beyond=beyond),
                               {"pairs": pairs, "newest": newest, "tolerance": tolerance}).fetchone()
    if too_new:
        return None  # stage it: the rows beyond now + tolerance are quarantined, not taken as the watermark
    return (n, newest) if held == n else None


def _quarantine_future_cursors(wh, ctx: _Ctx, table: sql.Composable, result: TableLoad, opts: LoadOptions,
                               scope: sql.Composable = sql.SQL("TRUE")) -> int:
    """Rows of ``table`` whose time cursor lies beyond now + tolerance go to quarantine (see the template)."""
    cursor = ctx.schema.cursor
    if not cursor or ctx.raw_types.get(cursor) not in TIME_TYPES:
        return 0
    n = wh.execute(ctx.tmpl("quarantine_future_cursor", stage=table, cursor=sql.Identifier(cursor), scope=scope,
                            key_text=ctx.key_text("s")),
                   {**ctx.params(), "tolerance": opts.future_tolerance, "cursor_column": cursor,
                    "tolerance_text": _interval_text(opts.future_tolerance),
                    "meta_columns": list(raw_schema.META_COLUMNS)}).rowcount
    if n:
        log.warning(kv("load.future_cursor", table=f"raw.{ctx.raw_table}", cursor=cursor, quarantined=n))
    result.quarantined += n
    result.staged -= n
    return n


def _interval_text(value: timedelta) -> str:
    days, seconds = value.days, value.seconds
    if seconds == 0:
        return f"{days} day" + ("s" if days != 1 else "")
    return str(value)


def _quarantine_duplicates(snap: TableSnapshot | None, wh, ctx: _Ctx, window: Window, result: TableLoad,
                           same_types: bool, only_keys: list[tuple] | None) -> int:
    """A key the source holds more than once: every copy to quarantine, naming the key. A snapshot reader is
    asked for the window's keys across the whole table (an incremental window may hold one copy only); the
    copies outside the window are staged too, so all of them are quarantined."""
    stage, pk = sql.Identifier("_stg"), ctx.schema.primary_key
    if snap is not None and only_keys is None and not window.is_full:
        dups = snap.duplicate_keys(window)
        if dups:
            fmt = sql.SQL(" (FORMAT BINARY)") if same_types else sql.SQL("")
            wh.execute(sql.SQL("DELETE FROM {} s WHERE ({}) IN ({})").format(
                stage, sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(k)) for k in pk),
                sql.SQL(", ").join(sql.SQL("({})").format(sql.SQL(", ").join(map(sql.Literal, k))) for k in dups)))
            _pipe(snap.copy_rows(Window(), binary=same_types, only_keys=dups, casts=ctx.casts if same_types else None),
                  wh,
                  sql.SQL("COPY {} ({}) FROM STDIN{}").format(stage, ctx.cols, fmt), ctx.raw_table, 3600)
    pk_ids = sql.SQL(", ").join(map(sql.Identifier, pk))
    join = sql.SQL(" AND ").join(sql.SQL("s.{0} = d.{0}").format(sql.Identifier(k)) for k in pk)
    n = wh.execute(ctx.tmpl("quarantine_duplicate_keys", stage=stage, pk=pk_ids, join=join,
                            key_text=ctx.key_text("s")),
                   {**ctx.params(), "key_columns": ", ".join(pk)}).rowcount
    if n:
        log.warning(kv("load.duplicate_keys", table=f"raw.{ctx.raw_table}", quarantined=n))
        staged = wh.execute(sql.SQL("SELECT count(*) FROM {}").format(stage)).fetchone()[0]
        result.quarantined += n
        result.staged = staged
    return n


def _upsert(wh, ctx: _Ctx, result: TableLoad) -> None:
    """Staged rows into raw, changing only what differs (duplicate keys were quarantined before)."""
    stage, schema = sql.Identifier("_stg"), ctx.schema
    s_cols, r_cols = ctx.cols_of("s"), ctx.cols_of("r")
    join = sql.SQL(" AND ").join(sql.SQL("r.{0} = s.{0}").format(sql.Identifier(k)) for k in schema.primary_key)
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


def raw_key_problem(wh: psycopg.Connection, raw_table: str, key: tuple[str, ...]) -> str | None:
    """Why an existing raw table cannot take this key (another mode created it with another), or None."""
    regclass = f'raw."{raw_table}"'
    keys = wh.execute(
        "SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_index i "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = to_regclass(%s) AND i.indisunique GROUP BY i.indexrelid", (regclass,)).fetchall()
    if any(sorted(k[0]) == sorted(key) for k in keys):
        return None
    return (f"raw.{raw_table} has no unique key on ({', '.join(key)}), the key of this mode (it was created by "
            f"another mode); add it once: ALTER TABLE raw.{raw_table} ADD UNIQUE ({', '.join(key)})")


def _source_side(exc: psycopg.Error, reader: SourceReader, snap: TableSnapshot | None, src_fp: Future | None,
                 source: str, table: str) -> Exception:
    """The error to report: one the source raised (in the background key count too, where the foreground only
    saw ``current transaction is aborted``) names source, connection and table; a warehouse error is itself."""
    real: BaseException = exc
    if src_fp is not None and isinstance(exc, psycopg.errors.InFailedSqlTransaction):
        try:
            bg = src_fp.exception(timeout=60)
        except Exception:  # noqa: BLE001 - still running or cancelled: keep the foreground error
            bg = None
        real = bg if isinstance(bg, psycopg.Error) else exc
    if snap is None or not snap.failed():
        return exc if real is exc else real
    first = mask_dsn((str(real).strip().splitlines() or [type(real).__name__])[0])
    where = f"source connection {reader.connection_id} (source {source}): table {table}"
    if is_connection_error(real):  # transient: the next try reconnects
        return ConnectionLost(f"{where}: connection lost: {first}")
    return LoadError(f"{where}: {first}")


def load_table(reader: SourceReader, warehouse_conn: ConnSpec | str | psycopg.Connection, source: str,
               schema: TableSchema, *, raw_table: str, job_id: uuid.UUID, include_dir,
               options: LoadOptions | None = None, only_keys: list[tuple] | None = None) -> TableLoad:
    """Load one table in one warehouse transaction; on any error raw (and the watermark) stay as they were.

    ``reader`` is the source's reader, opened (and closed) by the caller. The window is computed here, once,
    from the stored watermark and the reader's overlap, then adjusted by the reader. A reader with a SQL
    snapshot (database mode) streams COPY; an API reader's ``rows`` and ``keys`` are consumed lazily inside
    this transaction. ``only_keys`` (reconciliation) reloads just those keys (snapshot readers only). The
    warehouse connection may be passed open: it is borrowed (a run shares one across its tables).
    """
    opts = options or LoadOptions()
    result = TableLoad(schema.name, raw_table)
    started = time.monotonic()
    batch_id = uuid.uuid4()
    with ExitStack() as stack:
        wh = _open(stack, warehouse_conn)
        source_read = stack.enter_context(ExitStack())  # closed (the source snapshot ended) before ANALYZE
        snap: TableSnapshot | None = source_read.enter_context(reader.snapshot(schema))
        if only_keys is not None and snap is None:
            raise LoadError(f"source {source}: table {schema.name}: reloading single keys needs SQL access to "
                            f"the source (mode {reader.mode} has none)")
        ctx = _Ctx(source, schema, raw_table, {}, job_id, batch_id, include_dir)
        # one background thread: the source counts its keys (a full index scan, for deletions) while the
        # warehouse prepares; the source's next statement waits for it, as they share the source connection
        src_fp: Future | None = None
        try:
            with wh.transaction(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="key-fingerprint") as bg:
                src_fp = bg.submit(snap.key_fingerprint) if opts.deletions and snap is not None else None
                _begin_locked(wh, raw_table, opts.lock_wait_seconds)
                ctx.schema = schema = warehouse_types.fit_schema(wh, schema, raw_table)  # extension types the warehouse lacks
                raw_types = ctx.raw_types = _prepare_table(wh, source, raw_table, schema, result)
                ctx.quote(wh)
                cursor_type = raw_types.get(schema.cursor) if schema.cursor else None
                window = compute_window(wh, include_dir, source, schema.name, schema.cursor, cursor_type,
                                        full=opts.full, overlap=reader.overlap(opts.overlap),
                                        data_interval=opts.data_interval, upper_bound=opts.upper_bound,
                                        future_tolerance=opts.future_tolerance)
                if not opts.full:
                    window = reader.window(wh, schema.name, window)
                added = result.drift.get("added")
                if added and not window.is_full and only_keys is None:
                    # a column added at the source (often with a DEFAULT filling every row) changed rows whose
                    # cursor did not move: read the whole table once, in this transaction with the ALTER
                    window = Window(None, window.upper, reason=f"column(s) {', '.join(added)} added at the source: "
                                                               "whole table read once")
                log.info(kv("load.window", source=source, table=schema.name, mode=reader.mode, **window.as_dict()))
                result.window = window.as_dict()
                rows = reader.rows(schema.name, window, schema) if snap is None else None
                # binary whenever the source has SQL: a column whose source type differs from raw's (enum ->
                # text, domain, kept wider) is cast at the source instead of sending the whole table down the
                # validating text path; a refused cast still falls back to it. An explicit cast to a type with a
                # length or precision (varchar(4), numeric(10,2)) truncates or rounds silently instead of
                # refusing, so such a column (a narrower column_types override) keeps the validating path.
                ctx.casts = {c.name: raw_types[c.name] for c in schema.columns if c.source_type != raw_types[c.name]}
                same_types = snap is not None and not any("(" in t for t in ctx.casts.values())
                empty = wh.execute(sql.SQL("SELECT set_config('partner_sync.batch_id', {}, true), "
                                           "NOT EXISTS (SELECT 1 FROM {})").format(sql.Literal(str(batch_id)),
                                                                                  ctx.raw)).fetchone()[1]
                wh.execute(load_sql(include_dir, "raw/record_batch"), ctx.params())  # commit order for the transforms
                # JSON columns are masked in the stage; a first load goes straight to raw only if no row may need it
                masked = json_columns(raw_types, schema.column_names) if opts.json_secret_patterns else []
                if (empty and same_types and snap is not None and only_keys is None
                        and not (masked and snap.text_matches(window, masked,
                                                              loose_pattern(opts.json_secret_patterns)))
                        and _copy_direct(snap, wh, ctx, window, result, opts)):
                    if src_fp is not None:  # an empty mirror: every row was an insert, straight in
                        _store_fingerprint(wh, ctx, src_fp.result())
                    if schema.cursor:
                        result.watermark = _newest(wh, schema.cursor, ctx.raw)
                else:
                    held = None
                    if (snap is not None and only_keys is None and schema.cursor and not window.is_full
                            and schema.key_enforced and schema.cursor_indexed  # else reading twice costs more
                            and all(schema.column(c).source_type == raw_types[c]
                                    for c in (*schema.primary_key, schema.cursor))):
                        held = _window_in_raw(snap, wh, ctx, window, opts.future_tolerance)
                    if held is not None:
                        result.staged = result.unchanged = held[0]
                        result.path, result.watermark = "window unchanged", held[1]
                    else:
                        _stage(snap, wh, ctx, window, result, opts, same_types, rows, only_keys)
                        if masked:
                            mask_json_secrets(wh, include_dir, sql.Identifier("_stg"), raw_types,
                                              schema.column_names, opts.json_secret_patterns)
                        _quarantine_future_cursors(wh, ctx, sql.Identifier("_stg"), result, opts)
                        if not schema.key_enforced:
                            _quarantine_duplicates(snap, wh, ctx, window, result, same_types, only_keys)
                        _upsert(wh, ctx, result)
                        if schema.cursor:
                            result.watermark = _newest(wh, schema.cursor, sql.Identifier("_stg"))
                    if opts.deletions:
                        source_keys = reader.keys(schema.name) if snap is None else None
                        if snap is not None or source_keys is not None:
                            _mark_deletions(snap, wh, ctx, result, source_keys, src_fp, window, opts)
                if schema.cursor:
                    # a full read of the whole table (or one past a watermark beyond now + tolerance) replaces it
                    reset = (only_keys is None and opts.data_interval is None
                             and (opts.full or window.reason.startswith(BEYOND)))
                    advance_watermark(wh, include_dir, source, schema.name, schema.cursor, cursor_type,
                                      result.watermark, job_id, reset=reset)
                if snap is None:
                    result.window = {**result.window, **reader.notes(schema.name)}
        except psycopg.Error as exc:
            reported = _source_side(exc, reader, snap, src_fp, source, schema.name)
            if reported is exc:
                raise
            raise reported from exc
        source_read.close()
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
