-- Candidate pairs (o_id, a_id) sharing a 12-digit AWS account (or the Odoo payer account) or a normalized
-- domain. Exact ids, other TLDs and e-mail domains are added in Python.
SELECT o.source_id::text AS o_id, a.source_id AS a_id
FROM core.odoo_opportunities o
JOIN core.ace_opportunities a ON a.aws_account IN (o.aws_account_id, o.aws_payer_account_id)
WHERE a.aws_account IN (SELECT aws_account FROM core.ace_opportunities  -- a partner's shared payer: no evidence
                        GROUP BY aws_account HAVING count(DISTINCT normalized_company_name) <= 3)
UNION
SELECT o.source_id::text, a.source_id
FROM core.odoo_opportunities o
JOIN core.ace_opportunities a ON a.normalized_domain = o.normalized_domain
WHERE o.normalized_domain IN (SELECT normalized_domain FROM core.ace_opportunities
                              GROUP BY normalized_domain HAVING count(DISTINCT normalized_company_name) <= 3)
