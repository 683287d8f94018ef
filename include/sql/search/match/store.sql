-- One direction's top-k candidates (match_result) into search.similarity_cache: changed rows updated, new ones
-- inserted; a rerun on unchanged data writes nothing (calculated_at stays). Params: direction, q_table, t_table, model.
INSERT INTO search.similarity_cache AS c
    (source_embedding_id, target_embedding_id, similarity_score, direction, source_table, source_id,
     target_table, target_id, rank, signals, model_name)
SELECT r.q_embedding_id, r.t_embedding_id, round(r.score::numeric, 4), %(direction)s, %(q_table)s, r.q_id,
       %(t_table)s, r.t_id, r.rank, r.signals, %(model)s
FROM match_result r
ON CONFLICT (source_embedding_id, target_embedding_id) DO UPDATE SET
    similarity_score = EXCLUDED.similarity_score, direction = EXCLUDED.direction,
    source_table = EXCLUDED.source_table, source_id = EXCLUDED.source_id, target_table = EXCLUDED.target_table,
    target_id = EXCLUDED.target_id, rank = EXCLUDED.rank, signals = EXCLUDED.signals,
    model_name = EXCLUDED.model_name, calculated_at = CURRENT_TIMESTAMP
WHERE (c.similarity_score, c.direction, c.source_id, c.target_id, c.rank, c.signals, c.model_name)
      IS DISTINCT FROM (EXCLUDED.similarity_score, EXCLUDED.direction, EXCLUDED.source_id, EXCLUDED.target_id,
                        EXCLUDED.rank, EXCLUDED.signals, EXCLUDED.model_name);
