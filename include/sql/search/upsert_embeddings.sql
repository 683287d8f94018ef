-- One embedded batch (COPYed into the temp table embed_batch) into search.embeddings.
INSERT INTO search.embeddings AS e
    (source_table, source_id, embedding_type, embed_vector, text_content, metadata, text_hash, model_name)
SELECT %(source_table)s, b.source_id, b.embedding_type, b.embed_vector, b.text_content,
       jsonb_build_object('dimension', vector_dims(b.embed_vector)), b.text_hash, %(model)s
FROM embed_batch b
ON CONFLICT (source_table, source_id, embedding_type) DO UPDATE SET
    embed_vector = EXCLUDED.embed_vector, text_content = EXCLUDED.text_content, metadata = EXCLUDED.metadata,
    text_hash = EXCLUDED.text_hash, model_name = EXCLUDED.model_name, updated_at = CURRENT_TIMESTAMP
