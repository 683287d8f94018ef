-- The four layers of the warehouse and the extensions they rely on.
CREATE EXTENSION IF NOT EXISTS vector;
CREATE SCHEMA IF NOT EXISTS raw;
COMMENT ON SCHEMA raw IS 'Every source column mirrored with its exact type (created from discovery, not by hand)';
CREATE SCHEMA IF NOT EXISTS core;
COMMENT ON SCHEMA core IS 'Normalised entities with foreign keys resolved to names, ready for embedding';
CREATE SCHEMA IF NOT EXISTS ops;
COMMENT ON SCHEMA ops IS 'Sync jobs, data-quality checks, lineage and quarantine';
CREATE SCHEMA IF NOT EXISTS search;
COMMENT ON SCHEMA search IS 'Embeddings (pgvector, HNSW) and the similarity cache';
