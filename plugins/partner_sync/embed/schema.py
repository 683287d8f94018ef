"""``partner_sync embed --recreate``: give search.embeddings the model's dimension.

pgvector cannot cast vector(1024) to vector(384), so every embedding and match goes; the HNSW indexes
on the column are recreated from their own definitions (pg_indexes), exactly as the migrations made them.
"""

from __future__ import annotations

import logging

from psycopg import sql

from partner_sync.database import Database
from partner_sync.logs import kv

log = logging.getLogger(__name__)

VECTOR_INDEXES = ("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'search' "
                  "AND tablename = 'embeddings' AND position('embed_vector' IN indexdef) > 0 ORDER BY indexname")


def recreate_vector_column(db: Database, dimension: int) -> list[str]:
    """Empty search.embeddings and search.similarity_cache, set embed_vector to vector(dimension); returns
    the indexes rebuilt. One transaction: on error nothing changes."""
    with db.get_connection() as conn, conn.transaction():
        indexes = conn.execute(VECTOR_INDEXES).fetchall()
        conn.execute("TRUNCATE search.similarity_cache, search.embeddings")
        for name, _ in indexes:
            conn.execute(sql.SQL("DROP INDEX search.{}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("ALTER TABLE search.embeddings ALTER COLUMN embed_vector TYPE vector({})").format(
            sql.Literal(int(dimension))))
        for _, definition in indexes:
            conn.execute(definition)
    log.info(kv("embed.recreated", dimension=dimension, indexes=len(indexes)))
    return [name for name, _ in indexes]
