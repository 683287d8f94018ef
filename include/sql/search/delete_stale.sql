-- Matches first (similarity_cache references embeddings), then the embeddings themselves.
DELETE FROM search.similarity_cache c USING stale_embeddings s WHERE c.source_embedding_id = s.embedding_id;
DELETE FROM search.similarity_cache c USING stale_embeddings s WHERE c.target_embedding_id = s.embedding_id;
DELETE FROM search.embeddings e USING stale_embeddings s WHERE e.embedding_id = s.embedding_id;
