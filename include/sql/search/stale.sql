-- Embeddings of one table whose core row (or text) is gone, collected for deletion with their matches.
CREATE TEMP TABLE stale_embeddings ON COMMIT DROP AS
WITH texts AS ({texts})
SELECT e.embedding_id
FROM search.embeddings e
WHERE e.source_table = %(source_table)s
  AND NOT EXISTS (SELECT 1 FROM texts t WHERE t.source_id = e.source_id AND t.embedding_type = e.embedding_type)
