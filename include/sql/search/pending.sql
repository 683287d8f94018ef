-- The texts to embed, shortest first: batches of similar length pad little.
SELECT source_id, embedding_type, text, text_hash, embedding_id IS NULL AS is_new
FROM ({state}) s
WHERE embedding_id IS NULL OR no_vector OR stored_hash IS DISTINCT FROM text_hash
   OR stored_model IS DISTINCT FROM %(model)s
ORDER BY length(text), source_id, embedding_type
