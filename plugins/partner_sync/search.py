"""Semantic search over search.embeddings: free text in, ranked core entities with the matched text out.

The query is embedded with the configured model, then each (entity, embedding type) partial HNSW index
returns its nearest rows; an entity found through both its identity and its context text counts once,
with its better cosine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from psycopg import sql

from partner_sync.config import Settings
from partner_sync.database import Database
from partner_sync.embed.base import Embedder
from partner_sync.embed.factory import get_embedder
from partner_sync.embed.texts import EMBEDDING_TYPES, Entity, entity as find_entity, load_entities

NEAREST = """SELECT source_id, embedding_type, text_content, 1 - (embed_vector <=> {vec}) AS cosine
FROM search.embeddings WHERE source_table = {table} AND embedding_type = {etype}
ORDER BY embed_vector <=> {vec} LIMIT {k}"""


@dataclass(frozen=True)
class SearchHit:
    entity: str  # the entity's alias (include/sources/*.yml, embed:), e.g. odoo | ace | aws
    source_id: str
    score: float  # cosine similarity of the query and the matched text
    matched: str  # which text matched: identity | context
    text: str
    label: str | None  # name / company from the core table


def _vector_literal(vector: np.ndarray) -> sql.Composable:
    return sql.SQL("{}::vector").format(sql.Literal("[" + ",".join(f"{x:.7g}" for x in vector) + "]"))


def _labels(db: Database, ent: Entity, ids: Sequence[str]) -> dict[str, str]:
    label = (sql.SQL("concat_ws(' / ', {})").format(sql.SQL(", ").join(map(sql.Identifier, ent.label)))
             if ent.label else sql.SQL("NULL::text"))
    q = sql.SQL("SELECT {key}::text, {label} FROM core.{table} WHERE {key}::text = ANY(%s)").format(
        key=sql.Identifier(ent.key), label=label, table=sql.Identifier(ent.table))
    return {k: v for k, v in db.execute_query(q, (list(ids),))}


def semantic_search(settings: Settings, text: str, *, entity: str | None = None, k: int = 10,
                    db: Database | None = None, embedder: Embedder | None = None) -> list[SearchHit]:
    """The ``k`` entities nearest to ``text`` (every embedded entity, or one by alias or table), best first."""
    if not text.strip():
        raise ValueError("search text is empty")
    if db is None:
        with Database.from_settings(settings) as own:
            return semantic_search(settings, text, entity=entity, k=k, db=own, embedder=embedder)
    entities = ([find_entity(entity, settings.include_dir)] if entity
                else list(load_entities(settings.include_dir).values()))
    vector = (embedder or get_embedder(settings)).embed([text])[0]
    vec = _vector_literal(vector)
    best: dict[tuple[str, str], SearchHit] = {}
    with db.get_connection() as conn, conn.transaction():
        conn.execute(sql.SQL("SET LOCAL hnsw.ef_search = {}").format(sql.Literal(max(settings.hnsw_ef_search, k))))
        for ent in entities:
            for etype in EMBEDDING_TYPES:
                q = sql.SQL(NEAREST).format(vec=vec, table=sql.Literal(ent.table), etype=sql.Literal(etype),
                                            k=sql.Literal(k))
                for source_id, matched, content, cosine in conn.execute(q).fetchall():
                    hit = SearchHit(ent.alias, source_id, round(float(cosine), 4), matched, content, None)
                    key = (ent.table, source_id)
                    if key not in best or hit.score > best[key].score:
                        best[key] = hit
    ranked = sorted(best.values(), key=lambda h: (-h.score, h.entity, h.source_id))[:k]
    labels: dict[tuple[str, str], str] = {}
    for ent in entities:
        ids = [h.source_id for h in ranked if h.entity == ent.alias]
        if ids:
            labels.update({(ent.alias, i): lab for i, lab in _labels(db, ent, ids).items()})
    return [SearchHit(h.entity, h.source_id, h.score, h.matched, h.text, labels.get((h.entity, h.source_id)))
            for h in ranked]
