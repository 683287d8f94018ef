"""The transform stage: render include/sql/transform templates into core, one transaction per target.

Set-based SQL does the work (upsert on the source id, ``updated_at`` only when content changed, lineage
rows written by the same statement). Incremental by default: only raw rows of the batches committed since
the last run (in commit order: ops.raw_batches transaction ids, sql/013), plus rows whose referenced
partner/stage/account changed, are re-derived; a changed template rebuilds
its target. A failing template rolls its target back and is traced to the offending source ids.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable

import psycopg
from psycopg import sql

from partner_sync.config import ConnSpec, Settings
from partner_sync.database import connect
from partner_sync.logs import kv
from partner_sync.source_defs import SourceDef, TransformDef
from partner_sync.sql_files import load_sql

if TYPE_CHECKING:
    from partner_sync.run_request import RunRequest, RunResources, StageResult

log = logging.getLogger(__name__)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class TransformError(RuntimeError):
    """A template failed; its target is as it was, raw untouched."""


@dataclass
class TargetResult:
    target: str
    template: str
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    lineage_rows: int = 0
    mode: str = "incremental"
    seconds: float = 0.0


def composed(tdef: TransformDef, text_of: Callable[[str], str]) -> str:
    """The target's template text, followed by its shared tail's (YAML ``tail:``) when it has one; the same text
    whether the parts come from the files or from Airflow's rendering (which drops each final newline)."""
    main = text_of(tdef.template)
    return main if tdef.tail is None else main.rstrip("\n") + "\n" + text_of(tdef.tail)


def _texts(include_dir, tdef: TransformDef) -> tuple[str, str | None]:
    main = composed(tdef, lambda name: load_sql(include_dir, f"transform/{name}"))
    try:
        delete = load_sql(include_dir, f"transform/{tdef.template}_delete")
    except FileNotFoundError:
        delete = None
    return main, delete


def rules_for(include_dir, tdef: TransformDef, texts: tuple[str, str | None] | None = None) -> dict[str, str]:
    """Lineage's transformation_rules: the template's name and the sha256 of its text."""
    main, delete = texts or _texts(include_dir, tdef)
    # stripped: Airflow's Jinja rendering drops the final newline, and that must not look like a new template
    digest = hashlib.sha256((main.strip() + "\n--\n" + (delete or "").strip()).encode()).hexdigest()
    return {"template": f"{tdef.template}.sql", "sha256": digest}


def _offending_ids(conn: psycopg.Connection, tdef: TransformDef, text: str, params: dict, limit: int = 20
                   ) -> list[str]:
    """Bisect the driving table's ids to the rows that make the template fail (each try rolled back)."""
    schema, table = tdef.driving_table.split(".", 1)
    ids = [r[0] for r in conn.execute(sql.SQL("SELECT {}::text FROM {} WHERE _deleted_at IS NULL ORDER BY 1").format(
        sql.Identifier(tdef.key), sql.Identifier(schema, table))).fetchall()]

    def fails(subset: list[str]) -> bool:
        try:
            with conn.transaction(force_rollback=True):
                conn.execute(text, {**params, "since": EPOCH, "changed": None, "only_ids": subset})
            return False
        except psycopg.Error:
            return True

    found: list[str] = []

    def search(subset: list[str]) -> None:
        if len(found) >= limit or not subset or not fails(subset):
            return
        if len(subset) == 1:
            found.append(subset[0])
            return
        mid = len(subset) // 2
        search(subset[:mid])
        search(subset[mid:])

    search(ids)
    return found


def _missing_raw_tables(conn: psycopg.Connection, template: str) -> list[str]:
    """raw.* tables the template reads that do not exist yet."""
    names = sorted(set(re.findall(r"\braw\.([a-z_][a-z0-9_]*)", template)))
    present = {r[0] for r in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'raw' AND tablename = ANY(%s)", (names,)).fetchall()}
    return [f"raw.{n}" for n in names if n not in present]


_OPTIONAL = re.compile(r"^-- optional (table|columns) (raw\.[a-z_][a-z0-9_]*): (.+)$", re.M)
_META_TYPES = (("_raw_id", "bigint"), ("_ingested_at", "timestamptz"), ("_source_system", "varchar"),
               ("_sync_batch_id", "uuid"), ("_deleted_at", "timestamptz"))


def _optional_inputs(template: str) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """The template's ``-- optional table|columns raw.<table>: col type, ...`` lines: tables (with the columns
    the template reads) or columns of a table that a source may lack, e.g. Odoo's custom AWS module's."""
    return {m.group(2): (m.group(1), [tuple(c.split(None, 1)) for c in m.group(3).split(", ")])
            for m in _OPTIONAL.finditer(template)}


def _with_stand_ins(conn: psycopg.Connection, template: str,
                    optional: dict[str, tuple[str, list[tuple[str, str]]]], missing: list[str]) -> str:
    """The template reading an empty stand-in for each absent optional table, and NULL for each absent
    optional column of a present one (a flattened subquery: no cost to the plan)."""
    for table, (kind, columns) in optional.items():
        if table in missing and kind == "table":
            cols = ", ".join(f"NULL::{t} AS {c}" for c, t in [*columns, *_META_TYPES])
            stand_in = f"(SELECT {cols} WHERE false)"
        else:
            have = {r[0] for r in conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
                "AND NOT attisdropped", (table,)).fetchall()}
            absent = [(c, t) for c, t in columns if c not in have]
            if not absent:
                continue
            stand_in = f"(SELECT o.*, {', '.join(f'NULL::{t} AS {c}' for c, t in absent)} FROM {table} o)"
        pattern = re.compile(rf"(?<!')\b{re.escape(table)}\b(?!')")
        template = "\n".join(line if line.lstrip().startswith("--") else pattern.sub(stand_in, line)
                              for line in template.split("\n"))
    return template


# Column lists a template leaves to the engine: the columns its ``rows`` CTE yields that the target has
# (``{columns}``), those minus the target's key (``{set_columns}``) and their values as ``t.col``,
# ``EXCLUDED.col`` (upserts) or ``r.col`` (``UPDATE ... FROM rows r``). A new core column is then one edit in
# the SELECT (plus its migration), as raw/upsert.sql does for raw tables.
_PLACEHOLDER = re.compile(r"\{(columns|set_columns|t_values|excluded_values|r_values)\}")
_ROWS_END = re.compile(r"\)\s*,\s*up\s+AS\s*\(", re.IGNORECASE)
_ON_CONFLICT = re.compile(r"ON\s+CONFLICT\s*\(([^)]*)\)", re.IGNORECASE)


def target_table(tdef: TransformDef) -> str:
    """The core table a target writes (``core.ace_opportunities.funding`` writes ``core.ace_opportunities``)."""
    return ".".join(tdef.target.split(".")[:2])


def expand_columns(conn: psycopg.Connection, text: str, table: str, params: dict[str, Any]) -> str:
    """The template with its column placeholders filled from the ``rows`` CTE and the target's catalog."""
    if not _PLACEHOLDER.search(text):
        return text
    end = _ROWS_END.search(text)
    if end is None:
        raise TransformError(f"template for {table} uses column placeholders but has no CTE `rows` followed by "
                             "`up` (WITH ... rows AS (SELECT ...), up AS (INSERT/UPDATE ...) ...)")
    probe = text[:end.start()] + ")\nSELECT * FROM rows LIMIT 0"
    yielded = [d.name for d in conn.execute(probe, params).description]
    schema, name = table.split(".", 1)
    rel = conn.execute("SELECT to_regclass(%s)", (sql.Identifier(schema, name).as_string(conn),)).fetchone()[0]
    if rel is None:
        raise TransformError(f"target table {table} does not exist (run `partner_sync migrate`)")
    catalog = [r[0] for r in conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
        "ORDER BY attnum", (rel,)).fetchall()]
    unknown = [c for c in yielded if c not in catalog]
    if unknown:
        raise TransformError(f"rows of the template for {table} yield column(s) {', '.join(unknown)} that {table} "
                             "does not have: add them with a migration (sql/NNN_*.sql) or rename them in the SELECT")
    conflict = _ON_CONFLICT.search(text)
    if conflict:
        key = [c.strip().strip('"') for c in conflict.group(1).split(",")]
    else:
        key = [r[0] for r in conn.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary", (rel,)).fetchall()]
    settable = [c for c in yielded if c not in key]
    if not settable:
        raise TransformError(f"rows of the template for {table} yield only its key ({', '.join(key)})")

    def listed(prefix: str, names: list[str]) -> str:
        return ", ".join((prefix + sql.Identifier(c).as_string(conn)) for c in names)

    lists = {"columns": listed("", yielded), "set_columns": listed("", settable),
             "t_values": listed("t.", settable), "excluded_values": listed("EXCLUDED.", settable),
             "r_values": listed("r.", settable)}
    return _PLACEHOLDER.sub(lambda m: lists[m.group(1)], text)


def transform_target(conn_spec: ConnSpec | str, include_dir, tdef: TransformDef, *, job_id: uuid.UUID,
                     full: bool = False, lang: str = "en_US", overlap: timedelta = timedelta(minutes=5),
                     texts: tuple[str, str | None] | None = None,
                     extra_params: dict[str, Any] | None = None,
                     optional_tables: frozenset[str] = frozenset()) -> TargetResult:
    """Derive one core target in one transaction.

    ``texts`` (main, delete) are the template texts when the caller already rendered them (Airflow's
    template fields); by default they are read from include/sql/transform. ``optional_tables`` are the raw
    tables of the source's optional tables (YAML ``optional: true``): a target driven by one that is absent
    is skipped with the reason; any other absent input fails the target.
    """
    main, delete = texts or _texts(include_dir, tdef)
    rules = rules_for(include_dir, tdef, (main, delete))
    if extra_params and any(v is not None for v in extra_params.values()):
        # configuration the template reads (odoo.yml ace_id_field): another value must rebuild the target
        rules["sha256"] = hashlib.sha256((rules["sha256"] + json.dumps(extra_params, sort_keys=True)).encode()
                                         ).hexdigest()
    result = TargetResult(tdef.target, tdef.template)
    started = time.monotonic()
    with connect(conn_spec) as conn:
        state = conn.execute(load_sql(include_dir, "transform/state_read"), {"target": tdef.target}).fetchone()
        since_xact = None  # None: every raw row (first run, full, changed template)
        if full or state is None or state[0] != rules["sha256"] or state[1] is None or state[2] is None:
            since, result.mode = EPOCH, ("full" if full else "rebuild" if state else "first")
        else:
            since, since_xact = state[1] - overlap, state[2]
        params = {"since": since, "changed": None, "lang": lang, "only_ids": None, "rules": json.dumps(rules),
                  "ace_id_field": None, "driving_table": tdef.driving_table, **(extra_params or {})}
        missing = _missing_raw_tables(conn, main)
        if tdef.driving_table in missing and tdef.driving_table in optional_tables:
            result.mode = (f"skipped: {tdef.driving_table} is absent (an optional table the source does not have; "
                           "the run's extract stage lists it)")
            log.warning(kv("transform.skipped", target=tdef.target, missing=tdef.driving_table, job=job_id))
            return result
        optional = _optional_inputs(main)
        required = [m for m in missing if optional.get(m, ("",))[0] != "table"]
        if required:
            raise TransformError(f"{tdef.target} cannot be built: {', '.join(required)} not loaded (run a sync of "
                                 f"{', '.join(m.removeprefix('raw.') for m in required)} first); {tdef.target} "
                                 "left as it was")
        main = _with_stand_ins(conn, main, optional, missing)
        delete = _with_stand_ins(conn, delete, optional, missing) if delete else delete
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 7))", (tdef.target,))
                # commit order, not clocks: every raw batch of a transaction older than xact_mark is visible from
                # here on; the batches listed next are those the last run could not see (committed since)
                mark, xact_mark = conn.execute("SELECT now(), pg_snapshot_xmin(pg_current_snapshot())").fetchone()
                if since_xact is not None:
                    params["changed"] = conn.execute(load_sql(include_dir, "transform/changed_batches"),
                                                     {"since_xact": since_xact}).fetchone()[0]
                main = expand_columns(conn, main, target_table(tdef), params)
                result.inserted, result.updated, result.lineage_rows = conn.execute(main, params).fetchone()
                if delete:
                    result.deleted = conn.execute(delete, params).fetchone()[0]
                    result.lineage_rows += result.deleted
                conn.execute(load_sql(include_dir, "transform/state_write"),
                             {"target": tdef.target, "rules_hash": rules["sha256"], "mark": mark,
                              "xact_mark": xact_mark, "job_id": job_id})
        except psycopg.Error as exc:
            error = str(exc).strip().splitlines()[0]
            conn.rollback()
            try:
                main = expand_columns(conn, main, target_table(tdef), params)
                bad = _offending_ids(conn, tdef, main, params)
            except (psycopg.Error, TransformError):
                conn.rollback()
                bad = []
            raise TransformError(
                f"template {tdef.template}.sql failed, {tdef.target} rolled back (raw untouched): {error}; "
                f"offending {tdef.driving_table}.{tdef.key}: {', '.join(bad) if bad else 'not isolated to rows'}"
            ) from None
    result.seconds = round(time.monotonic() - started, 3)
    log.info(kv("transform.target", target=tdef.target, template=tdef.template, mode=result.mode,
                inserted=result.inserted, updated=result.updated, deleted=result.deleted, job=job_id,
                seconds=result.seconds))
    return result


def transform_source(settings: Settings, source: SourceDef, *, job_id: uuid.UUID, full: bool = False,
                     rendered: dict[str, str] | None = None) -> list[TargetResult]:
    """Every target of a source, in the YAML's order (accounts before the opportunities that name them).

    ``rendered`` maps ``<template>`` / ``<template>_delete`` to already rendered SQL (Airflow template fields).
    """
    from partner_sync.source_defs import effective_source

    rendered = rendered or {}
    source = effective_source(settings, source)
    optional = frozenset(f"raw.{source.raw_table(t.name)}" for t in source.tables.values() if t.optional)
    return [transform_target(settings.conn("warehouse_db"), settings.include_dir, tdef, job_id=job_id, full=full,
                             lang=settings.language, overlap=timedelta(minutes=settings.cursor_overlap_minutes),
                             texts=(composed(tdef, rendered.__getitem__), rendered.get(f"{tdef.template}_delete"))
                             if tdef.template in rendered else None,
                             extra_params={"ace_id_field": source.ace_id_field}, optional_tables=optional)
            for tdef in source.mode_transforms]


def template_files(include_dir, source: SourceDef) -> dict[str, str]:
    """Template name -> file path relative to include/sql, for Airflow to render through template fields."""
    files = {}
    for tdef in source.transforms:
        for name in (tdef.template, f"{tdef.template}_delete", *([tdef.tail] if tdef.tail else [])):
            if (include_dir / "sql" / "transform" / f"{name}.sql").exists():
                files[name] = f"transform/{name}.sql"
    return files


def run_transform_stage(request: "RunRequest", res: "RunResources", earlier: Any = None) -> "StageResult":
    """The transform stage (``pipeline.STAGE_FUNCTIONS``); ``request.rendered_sql`` carries Airflow-rendered
    templates."""
    from partner_sync.run_request import StageResult

    results = transform_source(res.settings, request.source, job_id=request.job_id, full=request.full_refresh,
                               rendered=dict(request.rendered_sql) or None)
    return StageResult("transform", notes={"targets": {r.target: asdict(r) for r in results}},
                       counts={"processed": sum(r.inserted + r.updated + r.deleted for r in results),
                               "inserted": sum(r.inserted for r in results),
                               "updated": sum(r.updated for r in results)})
