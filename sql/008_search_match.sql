-- What embeddings, search and the matcher need beyond the seed's SEARCH tables.

-- Incremental embedding: a text is embedded again only when its hash or the model changes.
ALTER TABLE search.embeddings ADD COLUMN IF NOT EXISTS text_hash VARCHAR(64);     -- sha256 of text_content
ALTER TABLE search.embeddings ADD COLUMN IF NOT EXISTS model_name VARCHAR(200);   -- model that made embed_vector

-- One HNSW index per (table, embedding type) that search and the matcher query. A filtered query on the
-- seed's single index would keep only the rows of the wanted table among its ef_search nearest and come
-- back short; a partial index answers "k nearest ACE identities" exactly as HNSW promises.
CREATE INDEX IF NOT EXISTS idx_embed_hnsw_odoo_identity ON search.embeddings
USING hnsw (embed_vector vector_cosine_ops) WITH (m = ${hnsw_m}, ef_construction = ${hnsw_ef_construction})
WHERE source_table = 'odoo_opportunities' AND embedding_type = 'identity';
CREATE INDEX IF NOT EXISTS idx_embed_hnsw_odoo_context ON search.embeddings
USING hnsw (embed_vector vector_cosine_ops) WITH (m = ${hnsw_m}, ef_construction = ${hnsw_ef_construction})
WHERE source_table = 'odoo_opportunities' AND embedding_type = 'context';
CREATE INDEX IF NOT EXISTS idx_embed_hnsw_ace_identity ON search.embeddings
USING hnsw (embed_vector vector_cosine_ops) WITH (m = ${hnsw_m}, ef_construction = ${hnsw_ef_construction})
WHERE source_table = 'ace_opportunities' AND embedding_type = 'identity';
CREATE INDEX IF NOT EXISTS idx_embed_hnsw_ace_context ON search.embeddings
USING hnsw (embed_vector vector_cosine_ops) WITH (m = ${hnsw_m}, ef_construction = ${hnsw_ef_construction})
WHERE source_table = 'ace_opportunities' AND embedding_type = 'context';
CREATE INDEX IF NOT EXISTS idx_embed_hnsw_aws_identity ON search.embeddings
USING hnsw (embed_vector vector_cosine_ops) WITH (m = ${hnsw_m}, ef_construction = ${hnsw_ef_construction})
WHERE source_table = 'aws_accounts' AND embedding_type = 'identity';
CREATE INDEX IF NOT EXISTS idx_embed_hnsw_aws_context ON search.embeddings
USING hnsw (embed_vector vector_cosine_ops) WITH (m = ${hnsw_m}, ef_construction = ${hnsw_ef_construction})
WHERE source_table = 'aws_accounts' AND embedding_type = 'context';

-- Explainable matches: which entity, which direction, its rank and the evidence behind the score.
ALTER TABLE search.similarity_cache ADD COLUMN IF NOT EXISTS direction VARCHAR(20);      -- 'odoo_to_ace' | 'ace_to_odoo'
ALTER TABLE search.similarity_cache ADD COLUMN IF NOT EXISTS source_table VARCHAR(100);
ALTER TABLE search.similarity_cache ADD COLUMN IF NOT EXISTS source_id VARCHAR(500);
ALTER TABLE search.similarity_cache ADD COLUMN IF NOT EXISTS target_table VARCHAR(100);
ALTER TABLE search.similarity_cache ADD COLUMN IF NOT EXISTS target_id VARCHAR(500);
ALTER TABLE search.similarity_cache ADD COLUMN IF NOT EXISTS rank SMALLINT;              -- 1 = best candidate
ALTER TABLE search.similarity_cache ADD COLUMN IF NOT EXISTS signals JSONB;              -- cosines, account, domain, name
ALTER TABLE search.similarity_cache ADD COLUMN IF NOT EXISTS model_name VARCHAR(200);

CREATE INDEX IF NOT EXISTS idx_similarity_direction_source ON search.similarity_cache(direction, source_id, rank);
CREATE INDEX IF NOT EXISTS idx_similarity_target ON search.similarity_cache(target_embedding_id);
