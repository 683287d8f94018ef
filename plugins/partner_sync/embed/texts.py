"""Which core tables are embedded, by which source's run, and where their texts are defined.

Each source YAML lists under ``embed:`` the core tables its embed stage keeps current; each has two texts
(``identity``: who the customer is -- company, domain, country; ``context``: for opportunities the project --
title, description, use case, products; never stage or owner, so a stage change does not re-embed), written
as SQL in ``include/sql/search/texts/<table>.sql`` so the text is built where the data is and hashed there
too. Each run thus embeds exactly what its own transform just changed. Adding an embedded core table is
that SQL file plus its YAML entry.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from partner_sync.source_defs import load_sources
from partner_sync.sql_files import load_sql

EMBEDDING_TYPES = ("identity", "context")


@dataclass(frozen=True)
class Entity:
    """One embedded core table; ``table`` is also ``search.embeddings.source_table``."""

    table: str
    key: str  # core column whose text form is search.embeddings.source_id
    source: str  # the pipeline source whose embed stage keeps it current
    alias: str  # short name for `partner_sync search --entity`
    label: tuple[str, ...] = ()  # core columns shown for a search hit, joined by ' / '

    def texts_sql(self, include_dir: Path) -> str:
        return load_sql(include_dir, f"search/texts/{self.table}")


def load_entities(include_dir: Path) -> dict[str, Entity]:
    """Every embedded core table of every source YAML under ``include_dir``, by table name."""
    found: dict[str, Entity] = {}
    for source in load_sources(include_dir).values():
        for e in source.embed:
            if e.table in found:
                raise ValueError(f"core table {e.table} is embedded by two sources: {found[e.table].source} and "
                                 f"{source.name} (include/sources/*.yml, embed:)")
            found[e.table] = Entity(e.table, e.key, source.name, e.alias or e.table, e.label)
    return found


def _default_include_dir() -> Path:
    from partner_sync.config import get_config

    return get_config().include_dir


class _ConfiguredEntities(Mapping[str, Entity]):
    """``ENTITIES``: the entities of the configured project's include/ (read on first use)."""

    def _all(self) -> dict[str, Entity]:
        return load_entities(_default_include_dir())

    def __getitem__(self, table: str) -> Entity:
        return self._all()[table]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


ENTITIES: Mapping[str, Entity] = _ConfiguredEntities()


def entities_for_source(source_name: str, include_dir: Path | None = None) -> list[Entity]:
    """The entities a source's embed stage keeps current (empty for a source with no core tables)."""
    entities = load_entities(include_dir or _default_include_dir())
    return [e for e in entities.values() if e.source == source_name]


def entity(name: str, include_dir: Path | None = None) -> Entity:
    """An entity by table name or alias (e.g. odoo, ace, aws)."""
    entities = load_entities(include_dir or _default_include_dir())
    found = entities.get(name) or next((e for e in entities.values() if e.alias == name), None)
    if found is None:
        raise ValueError(f"unknown entity {name!r}; one of {', '.join(e.alias for e in entities.values())} "
                         f"(tables {', '.join(entities)})")
    return found
