-- Candidate pairs (odoo_id, ace_id): each side's nearest opportunities of the other side by identity (who the
-- customer is) and by project (one partial HNSW index each), plus pairs sharing a 12-digit AWS account (or
-- the Odoo payer account) or a normalized domain. Exact ids, other TLDs and e-mail domains are added in Python.
CREATE TEMP TABLE match_pairs ON COMMIT DROP AS
SELECT q.source_id AS o_id, n.source_id AS a_id
FROM search.embeddings q
CROSS JOIN LATERAL (
    SELECT t.source_id FROM search.embeddings t
    WHERE t.source_table = 'ace_opportunities' AND t.embedding_type = 'identity'
    ORDER BY t.embed_vector <=> q.embed_vector LIMIT {pool}) n
WHERE q.source_table = 'odoo_opportunities' AND q.embedding_type = 'identity'
UNION
SELECT q.source_id AS o_id, n.source_id AS a_id
FROM search.embeddings q
CROSS JOIN LATERAL (
    SELECT t.source_id FROM search.embeddings t
    WHERE t.source_table = 'ace_opportunities' AND t.embedding_type = 'context'
    ORDER BY t.embed_vector <=> q.embed_vector LIMIT {pool}) n
WHERE q.source_table = 'odoo_opportunities' AND q.embedding_type = 'context'
UNION
SELECT n.source_id, q.source_id
FROM search.embeddings q
CROSS JOIN LATERAL (
    SELECT t.source_id FROM search.embeddings t
    WHERE t.source_table = 'odoo_opportunities' AND t.embedding_type = 'identity'
    ORDER BY t.embed_vector <=> q.embed_vector LIMIT {pool}) n
WHERE q.source_table = 'ace_opportunities' AND q.embedding_type = 'identity'
UNION
SELECT n.source_id, q.source_id
FROM search.embeddings q
CROSS JOIN LATERAL (
    SELECT t.source_id FROM search.embeddings t
    WHERE t.source_table = 'odoo_opportunities' AND t.embedding_type = 'context'
    ORDER BY t.embed_vector <=> q.embed_vector LIMIT {pool}) n
WHERE q.source_table = 'ace_opportunities' AND q.embedding_type = 'context'
UNION
SELECT o.source_id::text, a.source_id
FROM core.odoo_opportunities o
JOIN core.ace_opportunities a ON a.aws_account IN (o.aws_account_id, o.aws_payer_account_id)
WHERE a.aws_account IN (SELECT aws_account FROM core.ace_opportunities  -- a partner's shared payer: no evidence
                        GROUP BY aws_account HAVING count(DISTINCT normalized_company_name) <= 3)
UNION
SELECT o.source_id::text, a.source_id
FROM core.odoo_opportunities o
JOIN core.ace_opportunities a ON a.normalized_domain = o.normalized_domain
WHERE o.normalized_domain IN (SELECT normalized_domain FROM core.ace_opportunities
                              GROUP BY normalized_domain HAVING count(DISTINCT normalized_company_name) <= 3);
