-- Candidate targets per query entity: the nearest targets by identity and by context (one partial HNSW
-- index each), plus every target that shares the 12-digit AWS account or the normalized domain (when specific).
CREATE TEMP TABLE match_candidates ON COMMIT DROP AS
SELECT q.source_id AS q_id, n.source_id AS t_id
FROM search.embeddings q
CROSS JOIN LATERAL (
    SELECT t.source_id FROM search.embeddings t
    WHERE t.source_table = {t_table} AND t.embedding_type = 'identity'
    ORDER BY t.embed_vector <=> q.embed_vector LIMIT {pool}) n
WHERE q.source_table = {q_table} AND q.embedding_type = 'identity'
UNION
SELECT q.source_id, n.source_id
FROM search.embeddings q
CROSS JOIN LATERAL (
    SELECT t.source_id FROM search.embeddings t
    WHERE t.source_table = {t_table} AND t.embedding_type = 'context'
    ORDER BY t.embed_vector <=> q.embed_vector LIMIT {pool}) n
WHERE q.source_table = {q_table} AND q.embedding_type = 'context'
UNION
SELECT q.source_id, t.source_id FROM match_q q JOIN match_t t ON t.aws_account = q.aws_account AND t.account_specific
UNION
SELECT q.source_id, t.source_id FROM match_q q JOIN match_t t ON t.domain = q.domain AND t.domain_specific;
