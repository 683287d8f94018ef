-- The two texts embedded per ACE opportunity.
-- identity = who the customer is: company, normalized domain, country.
-- context = the project: title, description, use case, AWS products, delivery model. No stage or status, so a
-- lifecycle change does not re-embed.
SELECT o.source_id::text AS source_id, t.embedding_type, t.text
FROM core.ace_opportunities o
CROSS JOIN LATERAL (VALUES
    ('identity', NULLIF(concat_ws(' | ', NULLIF(btrim(o.account_name), ''), o.normalized_domain,
                                  NULLIF(btrim(o.country), '')), '')),
    ('context', NULLIF(concat_ws('. ', NULLIF(btrim(o.name), ''), NULLIF(left(btrim(o.project_description), 1500), ''),
                                 NULLIF(btrim(o.use_case), ''), NULLIF(btrim(o.aws_products), ''),
                                 NULLIF(btrim(o.delivery_model), '')), ''))
) AS t(embedding_type, text)
WHERE t.text IS NOT NULL
