"""Per-source definitions read from ``include/sources/*.yml``: tables, keys, cursors, exclusions.

Adding a source is adding a YAML file; the DAG factory and the CLI both read them through here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
# How a source is read: straight from its PostgreSQL database, or through its vendor's API.
MODES = ("database", "odoo_rpc", "partner_central")
# The connection an API mode reads its credentials from when the YAML names none.
DEFAULT_API_CONNECTIONS = {"odoo_rpc": "odoo_api", "partner_central": "aws_partner_central"}
CATALOGS = ("AWS", "Sandbox")


# Column names (and JSON keys) never mirrored or shown. A pattern matches anywhere in the name, in any case, and
# also against the name in snake_case, so ``ApiKey``, ``accessToken``, ``x_passwd`` and ``private_key`` all
# count. A source YAML may replace them (``secret_patterns``).
DEFAULT_SECRET_PATTERNS: tuple[str, ...] = (
    "password", "passwd", "token", "secret", "api_key", "apikey", "private_key", "credential")
_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def secret_pattern_in(name: str, patterns: tuple[str, ...] = DEFAULT_SECRET_PATTERNS) -> str | None:
    """The first pattern that ``name`` (as written or as snake_case) matches, or None."""
    snake = _CAMEL_HUMP.sub("_", name).replace("-", "_").replace(" ", "_")
    if _any_of(patterns).search(name) is None and _any_of(patterns).search(snake) is None:
        return None  # one scan for all patterns: most names stop here
    for pattern in patterns:
        if re.search(pattern, name, re.IGNORECASE) or re.search(pattern, snake, re.IGNORECASE):
            return pattern
    return None


def secret_reason(column: str, table: "TableDef", patterns: tuple[str, ...]) -> str | None:
    """Why a column must not be mirrored (excluded in the YAML, or a secret pattern matches), or None."""
    if column in table.exclude_columns:
        return "excluded in the source definition"
    if column in table.include_columns:
        return None
    pattern = secret_pattern_in(column, tuple(patterns))
    return None if pattern is None else f"matches secret pattern {pattern!r}"


@functools.lru_cache(maxsize=16)
def _any_of(patterns: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns) or r"(?!)", re.IGNORECASE)


class SourceDefinitionError(ValueError):
    pass


@dataclass(frozen=True, eq=False)
class TableDef:
    name: str
    primary_key: tuple[str, ...]
    cursor: str | None
    enabled: bool = True
    exclude_columns: tuple[str, ...] = ()
    description: str = ""
    include_columns: tuple[str, ...] = ()  # mirrored even though they match a secret pattern
    column_types: dict[str, str] = field(default_factory=dict)  # raw type overrides, values cast on load
    model: str | None = None  # odoo_rpc mode: the Odoo model (default: the table name with '.' for '_')
    modes: tuple[str, ...] = ()  # the modes that have this table (empty: every mode)
    optional: bool = False  # a module's table the source may lack: skipped with a recorded reason when absent

    @property
    def odoo_model(self) -> str:
        return self.model or self.name.replace("_", ".")


@dataclass(frozen=True)
class TransformDef:
    """One core target built from this source: its template and the raw rows failures are traced to."""

    target: str
    template: str
    driving_table: str
    key: str = "id"
    modes: tuple[str, ...] = ()  # the source modes this target is built in (empty: every mode)
    tail: str | None = None  # a template shared by several targets, appended to this one's text (its WITH goes on)

    def __post_init__(self) -> None:
        object.__setattr__(self, "modes", tuple(self.modes or ()))


@dataclass(frozen=True)
class EmbedDef:
    """A core table this source's embed stage keeps current; its texts are
    ``include/sql/search/texts/<table>.sql``, its search label the ``label`` columns joined by ' / '."""

    table: str
    key: str = "source_id"
    alias: str | None = None  # short name for `partner_sync search --entity` (default: the table)
    label: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", tuple(self.label or ()))
        for name in (self.table, self.key, *self.label):
            if not isinstance(name, str) or not _IDENT.match(name):
                raise SourceDefinitionError(f"embed: {name!r} is not a table or column name")


# Source options a deployment may override from its environment (``overrides:`` in the YAML maps an option to
# the variable that sets it); each option's type and allowed values.
OVERRIDABLE = {"mode": MODES, "catalog": CATALOGS, "page_size": int, "request_budget": int, "rate_limit": float,
               "timeout_seconds": float}


def parse_override(option: str, raw: str, where: str) -> object:
    """One override value from the environment, typed and checked; SourceDefinitionError naming ``where``."""
    kind = OVERRIDABLE[option]
    if isinstance(kind, tuple):
        if raw not in kind:
            raise SourceDefinitionError(f"{where}={raw!r} must be one of {', '.join(kind)}")
        return raw
    try:
        value = kind(raw)
        if value <= 0:
            raise ValueError
    except ValueError:
        raise SourceDefinitionError(f"{where}={raw!r} must be a positive number") from None
    return value


@dataclass(frozen=True)
class SourceDef:
    name: str
    connection_id: str
    tables: dict[str, TableDef]
    description: str = ""
    schedule: str | None = None
    pool: str | None = None
    deadline: str | None = None  # HH:MM UTC by which the daily run must have finished (freshness.py; 06:00)
    path: Path | None = field(default=None, compare=False)
    secret_patterns: tuple[str, ...] = DEFAULT_SECRET_PATTERNS
    # Keys masked inside json/jsonb columns before rows reach raw (raw.json_secrets); None: secret_patterns,
    # () in the YAML (json_secret_patterns: []) turns the masking off.
    json_secret_patterns: tuple[str, ...] | None = None
    source_schema: str = "public"
    transforms: tuple[TransformDef, ...] = ()
    ace_id_field: str | None = None  # odoo: the crm_lead column some partners keep the ACE id in (x_studio_...)
    # API extract modes (database is the default; see docs/api_sources.md)
    mode: str = "database"
    api_connection_id: str | None = None  # odoo_api / aws_partner_central unless set
    page_size: int = 500                  # odoo_rpc: rows per search_read call
    catalog: str = "AWS"                  # partner_central: AWS (production) or Sandbox
    request_budget: int = 20_000          # partner_central: read requests per run, then stop cleanly
    rate_limit: float = 8.0               # partner_central: requests per second (the quota is 10/s, shared)
    timeout_seconds: float = 120.0        # one API request
    overrides: tuple[tuple[str, str], ...] = ()  # (option, environment variable): config.py reads them once
    embed: tuple[EmbedDef, ...] = ()      # core tables this source's embed stage keeps current

    @property
    def json_mask_patterns(self) -> tuple[str, ...]:
        """The patterns of JSON keys whose values raw never holds (``json_secret_patterns``, else ``secret_patterns``)."""
        return self.secret_patterns if self.json_secret_patterns is None else self.json_secret_patterns

    @property
    def api_connection(self) -> str:
        return self.api_connection_id or DEFAULT_API_CONNECTIONS.get(self.mode, self.connection_id)

    def with_overrides(self, mode: str | None = None, **options: object) -> "SourceDef":
        """This source with configuration overrides (None values leave the YAML's value)."""
        changes = {k: v for k, v in {"mode": mode, **options}.items() if v is not None}
        if "mode" in changes and changes["mode"] not in MODES:
            raise SourceDefinitionError(f"source {self.name}: mode must be one of {', '.join(MODES)}, "
                                        f"got {changes['mode']!r}")
        if "catalog" in changes and changes["catalog"] not in CATALOGS:
            raise SourceDefinitionError(f"source {self.name}: catalog must be AWS or Sandbox, "
                                        f"got {changes['catalog']!r}")
        return replace(self, **changes) if changes else self

    @property
    def enabled_tables(self) -> list[TableDef]:
        return [t for t in self.tables.values() if t.enabled and (not t.modes or self.mode in t.modes)]

    @property
    def mode_transforms(self) -> list[TransformDef]:
        """The transforms built in this source's mode."""
        return [t for t in self.transforms if not t.modes or self.mode in t.modes]

    def raw_table(self, table: str) -> str:
        """Name of the raw mirror, ``raw.<source>_<table>``."""
        return f"{self.name}_{table}"


def _as_tuple(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise SourceDefinitionError(f"{where}: expected a name or a list of names, got {value!r}")


def _transforms(value: object, where: str) -> tuple[TransformDef, ...]:
    if not value:
        return ()
    try:
        return tuple(TransformDef(**item) for item in value)
    except TypeError as exc:
        raise SourceDefinitionError(f"{where}: transforms: each entry needs target, template, driving_table "
                                    f"(and optionally key, modes, tail): {exc}") from None


def parse_source(data: dict, path: Path | None = None) -> SourceDef:
    where = str(path or "<source>")
    problems = []
    name = data.get("source")
    if not isinstance(name, str) or not _IDENT.match(name):
        problems.append(f"{where}: 'source' must be a lowercase identifier, got {name!r}")
    conn_id = data.get("connection_id")
    if not isinstance(conn_id, str) or not conn_id:
        problems.append(f"{where}: 'connection_id' is required (an Airflow connection id such as odoo_db)")
    tables_raw = data.get("tables")
    if not isinstance(tables_raw, dict) or not tables_raw:
        problems.append(f"{where}: 'tables' must map table names to their definitions")
        tables_raw = {}
    tables = {}
    for tname, tdef in tables_raw.items():
        twhere = f"{where}: table {tname}"
        if not isinstance(tdef, dict):
            problems.append(f"{twhere}: definition must be a mapping")
            continue
        try:
            pk = _as_tuple(tdef.get("primary_key"), f"{twhere} primary_key")
            if not pk:
                problems.append(f"{twhere}: primary_key is required")
            tables[tname] = TableDef(
                name=tname, primary_key=pk, cursor=tdef.get("cursor"), enabled=bool(tdef.get("enabled", True)),
                exclude_columns=_as_tuple(tdef.get("exclude_columns"), f"{twhere} exclude_columns"),
                description=str(tdef.get("description", "")),
                include_columns=_as_tuple(tdef.get("include_columns"), f"{twhere} include_columns"),
                column_types=dict(tdef.get("column_types") or {}),
                model=str(tdef["model"]) if tdef.get("model") else None,
                modes=_as_tuple(tdef.get("modes"), f"{twhere} modes"), optional=bool(tdef.get("optional", False)))
            bad_modes = [m for m in tables[tname].modes if m not in MODES]
            if bad_modes:
                problems.append(f"{twhere}: modes must be among {', '.join(MODES)}, got {', '.join(bad_modes)}")
        except SourceDefinitionError as exc:
            problems.append(str(exc))
    api = _api_options(data, where, problems)
    deadline = data.get("deadline")
    if deadline is not None:
        from partner_sync.freshness import DeadlineError, parse_clock

        try:
            deadline = parse_clock(deadline, f"{where}: deadline").strftime("%H:%M")
        except DeadlineError as exc:
            problems.append(str(exc))
    ace_field = data.get("ace_id_field")
    if ace_field is not None and (not isinstance(ace_field, str) or not _IDENT.match(ace_field)):
        problems.append(f"{where}: 'ace_id_field' must name a column (e.g. x_studio_ace_opportunity_id), "
                        f"got {ace_field!r}")
    json_patterns = data.get("json_secret_patterns")
    try:
        json_patterns = None if json_patterns is None else _as_tuple(json_patterns, f"{where} json_secret_patterns")
        for pattern in json_patterns or ():
            re.compile(pattern)
    except (SourceDefinitionError, re.error) as exc:
        problems.append(f"{where}: json_secret_patterns: {exc}")
        json_patterns = None
    overrides = _overrides(data.get("overrides"), where, problems)
    embed = _embeds(data.get("embed"), where, problems)
    if problems:
        raise SourceDefinitionError("\n".join(problems))
    return SourceDef(name=name, json_secret_patterns=json_patterns, connection_id=conn_id, tables=tables, description=str(data.get("description", "")),
                     schedule=data.get("schedule"), pool=data.get("pool"), deadline=deadline, path=path,
                     secret_patterns=_as_tuple(data.get("secret_patterns"), f"{where} secret_patterns")
                     or DEFAULT_SECRET_PATTERNS,
                     source_schema=str(data.get("source_schema", "public")),
                     transforms=_transforms(data.get("transforms"), where),
                     ace_id_field=data.get("ace_id_field") or None, overrides=overrides, embed=embed, **api)


def _overrides(value: object, where: str, problems: list[str]) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict) or not all(isinstance(v, str) and v for v in value.values()):
        problems.append(f"{where}: 'overrides' must map options to environment variable names")
        return ()
    unknown = sorted(set(value) - set(OVERRIDABLE))
    if unknown:
        problems.append(f"{where}: overrides: unknown option(s) {', '.join(unknown)}; "
                        f"overridable: {', '.join(OVERRIDABLE)}")
        return ()
    return tuple((str(k), str(v)) for k, v in value.items())


def _embeds(value: object, where: str, problems: list[str]) -> tuple[EmbedDef, ...]:
    if not value:
        return ()
    try:
        return tuple(EmbedDef(**item) for item in value)
    except (TypeError, SourceDefinitionError) as exc:
        problems.append(f"{where}: embed: each entry needs table (and optionally key, alias, label): {exc}")
        return ()


def _api_options(data: dict, where: str, problems: list[str]) -> dict:
    """mode and the API-mode settings of a source YAML; every default applies when a key is absent."""
    out: dict = {}
    mode = data.get("mode", "database")
    if mode not in MODES:
        problems.append(f"{where}: 'mode' must be one of {', '.join(MODES)}, got {mode!r}")
    else:
        out["mode"] = mode
    if data.get("api_connection_id") is not None:
        out["api_connection_id"] = str(data["api_connection_id"])
    for key, kind, minimum in (("page_size", int, 1), ("request_budget", int, 1), ("rate_limit", float, 0.01),
                               ("timeout_seconds", float, 1)):
        if data.get(key) is None:
            continue
        try:
            value = kind(data[key])
            if isinstance(data[key], bool) or value < minimum:
                raise ValueError
            out[key] = value
        except (TypeError, ValueError):
            problems.append(f"{where}: '{key}' must be a number >= {minimum}, got {data[key]!r}")
    if data.get("catalog") is not None:
        if data["catalog"] not in CATALOGS:
            problems.append(f"{where}: 'catalog' must be AWS or Sandbox, got {data['catalog']!r}")
        else:
            out["catalog"] = data["catalog"]
    return out


def load_sources(include_dir: Path) -> dict[str, SourceDef]:
    """Every ``include/sources/*.yml``, keyed by source name."""
    sources: dict[str, SourceDef] = {}
    for path in sorted((include_dir / "sources").glob("*.yml")):
        src = parse_source(yaml.safe_load(path.read_text()) or {}, path)
        if src.name in sources:
            raise SourceDefinitionError(f"{path}: source {src.name!r} already defined in {sources[src.name].path}")
        sources[src.name] = src
    return sources


def readable_sources(include_dir: Path) -> list[SourceDef]:
    """The source definitions that parse (for configuration: the connection ids and overrides to read); a
    broken file is skipped here and reported where the source is loaded."""
    found = []
    for path in sorted((include_dir / "sources").glob("*.yml")):
        try:
            found.append(parse_source(yaml.safe_load(path.read_text()) or {}, path))
        except (SourceDefinitionError, yaml.YAMLError, OSError):
            continue
    return found


def load_source(include_dir: Path, name: str) -> SourceDef:
    sources = load_sources(include_dir)
    if name not in sources:
        raise SourceDefinitionError(f"unknown source {name!r}; defined: {', '.join(sorted(sources)) or 'none'} "
                                    f"(in {include_dir / 'sources'})")
    return sources[name]


def effective_source(settings: Any, source: Any) -> Any:
    """The source definition with configuration overrides (``PARTNER_SYNC_<SOURCE>_MODE`` ...) applied;
    ``settings`` is a ``config.Settings`` (not imported: configuration builds on this module)."""
    options = settings.source_options(source.name) if hasattr(settings, "source_options") else {}
    return source.with_overrides(**options) if hasattr(source, "with_overrides") else source
