-- The two texts embedded per AWS account: identity = account name, company, company domain, account id;
-- context = core's combined_text.
SELECT a.account_id::text AS source_id, t.embedding_type, t.text
FROM core.aws_accounts a
CROSS JOIN LATERAL (VALUES
    ('identity', NULLIF(concat_ws(' | ', NULLIF(btrim(a.account_name), ''), NULLIF(btrim(a.company_name), ''),
                                  a.company_domain, a.account_id), '')),
    ('context', NULLIF(btrim(a.combined_text), ''))
) AS t(embedding_type, text)
WHERE t.text IS NOT NULL
