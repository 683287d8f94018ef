-- The two texts embedded per ACE opportunity: identity = project title, customer company, normalized
-- domain, AWS account; context = core's combined_text.
SELECT o.source_id::text AS source_id, t.embedding_type, t.text
FROM core.ace_opportunities o
CROSS JOIN LATERAL (VALUES
    ('identity', NULLIF(concat_ws(' | ', NULLIF(btrim(o.name), ''), NULLIF(btrim(o.account_name), ''),
                                  o.normalized_domain, o.aws_account), '')),
    ('context', NULLIF(btrim(o.combined_text), ''))
) AS t(embedding_type, text)
WHERE t.text IS NOT NULL
