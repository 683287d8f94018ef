-- Every text of one entity table next to what search.embeddings holds for it. Wrapped around
-- search/texts/<table>.sql by partner_sync.embed.store; params: source_table, model.
WITH texts AS ({texts})
SELECT t.source_id, t.embedding_type, t.text, encode(sha256(convert_to(t.text, 'UTF8')), 'hex') AS text_hash,
       e.embedding_id, e.text_hash AS stored_hash, e.model_name AS stored_model, e.embed_vector IS NULL AS no_vector
FROM texts t
LEFT JOIN search.embeddings e
       ON e.source_table = %(source_table)s AND e.source_id = t.source_id AND e.embedding_type = t.embedding_type
