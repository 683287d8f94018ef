-- Every candidate's signals and its score: a weighted mean of the two cosines and the deterministic
-- evidence (weights: partner_sync.match.Weights). Only the best top_k per query entity are kept.
CREATE TEMP TABLE match_result ON COMMIT DROP AS
WITH signals AS (
    SELECT c.q_id, c.t_id, qi.embedding_id AS q_embedding_id, ti.embedding_id AS t_embedding_id,
           1 - (qi.embed_vector <=> ti.embed_vector) AS cos_identity,
           COALESCE(1 - (qc.embed_vector <=> tc.embed_vector), 0) AS cos_context,
           COALESCE(qf.aws_account = tf.aws_account AND tf.account_specific, false) AS same_account,
           COALESCE(qf.domain = tf.domain AND tf.domain_specific, false) AS same_domain,
           COALESCE(public.similarity(qf.company, tf.company), 0) AS name_similarity,
           abs(qf.close_date - tf.close_date) AS close_days,
           abs(qf.created - tf.created) AS created_days,
           CASE WHEN qf.monthly_amount > 0 AND tf.monthly_amount > 0
                THEN abs(ln(tf.monthly_amount / qf.monthly_amount)) END AS amount_log_ratio
    FROM match_candidates c
    JOIN match_q qf ON qf.source_id = c.q_id
    JOIN match_t tf ON tf.source_id = c.t_id
    JOIN search.embeddings qi ON qi.source_table = {q_table} AND qi.source_id = c.q_id AND qi.embedding_type = 'identity'
    JOIN search.embeddings ti ON ti.source_table = {t_table} AND ti.source_id = c.t_id AND ti.embedding_type = 'identity'
    LEFT JOIN search.embeddings qc ON qc.source_table = {q_table} AND qc.source_id = c.q_id AND qc.embedding_type = 'context'
    LEFT JOIN search.embeddings tc ON tc.source_table = {t_table} AND tc.source_id = c.t_id AND tc.embedding_type = 'context'
), scored AS (
    SELECT s.*,
           ({w_identity} * s.cos_identity + {w_context} * s.cos_context
            + {w_account} * s.same_account::int + {w_domain} * s.same_domain::int
            + {w_name} * s.name_similarity
            + {w_close} * COALESCE(exp(-s.close_days / {close_scale_days}), 0)
            + {w_created} * COALESCE(exp(-s.created_days / {created_scale_days}), 0)
            + {w_amount} * COALESCE(exp(-s.amount_log_ratio / {amount_scale}), 0)) / {w_total} AS score
    FROM signals s
)
SELECT ranked.* FROM (
    SELECT sc.*, row_number() OVER (PARTITION BY sc.q_id ORDER BY sc.score DESC, sc.t_id) AS rank
    FROM scored sc) ranked
WHERE ranked.rank <= {top_k};
