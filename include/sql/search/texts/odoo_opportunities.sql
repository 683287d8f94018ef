-- The two texts embedded per Odoo opportunity (seed: embedding_type).
-- identity = who the customer is: company, normalized domain, country.
-- context = the project: title and description only. No stage, owner, team or company boilerplate, so
-- "contact centre" weighs more than a repeated company name, and a stage change does not re-embed.
SELECT o.source_id::text AS source_id, t.embedding_type, t.text
FROM core.odoo_opportunities o
CROSS JOIN LATERAL (VALUES
    ('identity', NULLIF(concat_ws(' | ', NULLIF(btrim(o.partner_name), ''), o.normalized_domain,
                                  NULLIF(btrim(o.partner_country), '')), '')),
    ('context', NULLIF(concat_ws('. ', NULLIF(btrim(o.name), ''), NULLIF(left(btrim(o.description), 1500), '')), ''))
) AS t(embedding_type, text)
WHERE t.text IS NOT NULL
