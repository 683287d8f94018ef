-- Semantic search (seed: SEARCH Schema). ${embedding_dim} comes from PARTNER_SYNC_EMBEDDING_DIM
-- (1024 for BAAI/bge-m3); the HNSW parameters from PARTNER_SYNC_HNSW_M / _EF_CONSTRUCTION.

-- Vector embeddings for semantic search
CREATE TABLE IF NOT EXISTS search.embeddings (
    embedding_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    source_table VARCHAR(100) NOT NULL,
    source_id VARCHAR(500) NOT NULL,
    embedding_type VARCHAR(50) NOT NULL, -- 'identity' or 'context'
    -- BGE-M3 embeddings
    embed_vector vector(${embedding_dim}),           -- Dense embeddings
    -- Metadata
    text_content TEXT,                   -- Original text that was embedded
    metadata JSONB,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    UNIQUE(source_table, source_id, embedding_type)
);

-- HNSW index for fast similarity search
CREATE INDEX IF NOT EXISTS idx_embed_vector_cosine ON search.embeddings 
USING hnsw (embed_vector vector_cosine_ops)
WITH (m = ${hnsw_m}, ef_construction = ${hnsw_ef_construction});

-- Similarity cache for performance
CREATE TABLE IF NOT EXISTS search.similarity_cache (
    cache_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    source_embedding_id UUID REFERENCES search.embeddings(embedding_id),
    target_embedding_id UUID REFERENCES search.embeddings(embedding_id),
    similarity_score DECIMAL(5,4),
    calculated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    UNIQUE(source_embedding_id, target_embedding_id)
);

CREATE INDEX IF NOT EXISTS idx_similarity_source ON search.similarity_cache(source_embedding_id);
CREATE INDEX IF NOT EXISTS idx_similarity_score ON search.similarity_cache(similarity_score DESC);
