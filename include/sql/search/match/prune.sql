-- Candidates of this direction that the latest run no longer produced.
DELETE FROM search.similarity_cache c
WHERE c.direction = %(direction)s
  AND NOT EXISTS (SELECT 1 FROM match_result r
                  WHERE r.q_embedding_id = c.source_embedding_id AND r.t_embedding_id = c.target_embedding_id);
