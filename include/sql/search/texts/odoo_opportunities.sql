-- The two texts embedded per Odoo opportunity (seed: embedding_type). identity = who and what it is
-- called: title, company, normalized domain, AWS account. context = core's combined_text.
SELECT o.source_id::text AS source_id, t.embedding_type, t.text
FROM core.odoo_opportunities o
CROSS JOIN LATERAL (VALUES
    ('identity', NULLIF(concat_ws(' | ', NULLIF(btrim(o.name), ''), NULLIF(btrim(o.partner_name), ''),
                                  o.normalized_domain, o.aws_account_id), '')),
    ('context', NULLIF(btrim(o.combined_text), ''))
) AS t(embedding_type, text)
WHERE t.text IS NOT NULL
