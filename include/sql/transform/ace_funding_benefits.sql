-- Funding per ACE opportunity from the Partner Central Benefits API (partner_central mode) into
-- core.ace_opportunities.funding_*. An application belongs to every opportunity in its AssociatedResources
-- (ARNs '.../catalog/<catalog>/opportunity/O<digits>'); one linked to two opportunities counts for both
-- (funding_ids shows the shared application). Per application:
--   requested = BenefitApplicationDetails.RequestedAmount (a number, a decimal string or {Amount, CurrencyCode});
--   approved  = sum over its allocations of CreditDetails.AllocatedAmount, else ConsumableDetails.AllocatedAmount,
--               else DisbursementDetails.DisbursedAmount (cash allocations carry no other amount);
--   disbursed = sum over its allocations of CreditDetails.IssuedAmount, else DisbursementDetails.DisbursedAmount,
--               else ConsumableDetails.UtilizedAmount.
-- An allocation without an application (or of an unknown one) belongs to no opportunity. Every opportunity is
-- recomputed; only changed rows are written (by the shared tail ace_funding_write.sql, YAML `tail:`). Params: since
-- (unused), only_ids (application id text[] or NULL), rules.
WITH app AS (
    SELECT a.catalog, a.id, a.status, a.updated_at, a.programs, a.associated_resources,
           COALESCE(a.benefit_application_details->'RequestedAmount'->>'Amount',
                    a.benefit_application_details->>'RequestedAmount') AS requested_text,
           NULLIF(a.benefit_application_details->'RequestedAmount'->>'CurrencyCode', '') AS requested_currency
    FROM raw.apn_benefit_application a
    WHERE a._deleted_at IS NULL
      AND (%(only_ids)s::text[] IS NULL OR a.id = ANY(%(only_ids)s::text[]))
), link AS (
    SELECT DISTINCT app.catalog, app.id, substring(r.arn FROM '/opportunity/(O[0-9]+)$') AS source_id
    FROM app
    CROSS JOIN LATERAL jsonb_array_elements_text(
        CASE WHEN jsonb_typeof(app.associated_resources) = 'array' THEN app.associated_resources ELSE '[]' END) AS r(arn)
    WHERE substring(r.arn FROM '/opportunity/(O[0-9]+)$') IS NOT NULL
), alloc AS (
    SELECT l.catalog, l.benefit_application_id AS application_id,
           COALESCE(d->'CreditDetails'->'AllocatedAmount', d->'ConsumableDetails'->'AllocatedAmount',
                    d->'DisbursementDetails'->'DisbursedAmount') AS approved,
           COALESCE(d->'CreditDetails'->'IssuedAmount', d->'DisbursementDetails'->'DisbursedAmount',
                    d->'ConsumableDetails'->'UtilizedAmount') AS disbursed
    FROM raw.apn_benefit_allocation l
    CROSS JOIN LATERAL (SELECT l.fulfillment_detail AS d) x
    WHERE l._deleted_at IS NULL AND l.benefit_application_id IS NOT NULL
), amounts AS (  -- one row per application and currency
    SELECT catalog, id, currency, sum(requested) AS requested, sum(approved) AS approved, sum(disbursed) AS disbursed
    FROM (
        SELECT app.catalog, app.id, app.requested_currency AS currency,
               CASE WHEN pg_input_is_valid(app.requested_text, 'numeric') THEN app.requested_text::numeric END
                   AS requested, NULL::numeric AS approved, NULL::numeric AS disbursed
        FROM app WHERE app.requested_text IS NOT NULL
        UNION ALL
        SELECT app.catalog, app.id, m.currency, NULL, m.approved, m.disbursed
        FROM app
        JOIN alloc ON alloc.catalog = app.catalog AND alloc.application_id = app.id
        CROSS JOIN LATERAL (
            SELECT COALESCE(alloc.approved->>'CurrencyCode', alloc.disbursed->>'CurrencyCode') AS currency,
                   CASE WHEN pg_input_is_valid(alloc.approved->>'Amount', 'numeric')
                        THEN (alloc.approved->>'Amount')::numeric END AS approved,
                   CASE WHEN pg_input_is_valid(alloc.disbursed->>'Amount', 'numeric')
                        THEN (alloc.disbursed->>'Amount')::numeric END AS disbursed) m
    ) s
    GROUP BY catalog, id, currency
), per_opp_amounts AS (
    SELECT link.source_id,
           count(DISTINCT amounts.currency) AS currencies,
           string_agg(DISTINCT amounts.currency, ';' ORDER BY amounts.currency) AS currency,
           sum(amounts.requested) AS requested, sum(amounts.approved) AS approved,
           sum(amounts.disbursed) AS disbursed
    FROM link LEFT JOIN amounts ON amounts.catalog = link.catalog AND amounts.id = link.id
    GROUP BY link.source_id
), per_opp_app AS (
    SELECT link.source_id,
           (SELECT string_agg(DISTINCT p, ';' ORDER BY p) FROM link l2 JOIN app a2 ON a2.catalog = l2.catalog
                AND a2.id = l2.id CROSS JOIN LATERAL jsonb_array_elements_text(
                    CASE WHEN jsonb_typeof(a2.programs) = 'array' THEN a2.programs ELSE '[]' END) AS pr(p)
            WHERE l2.source_id = link.source_id) AS programs,
           (array_agg(app.status ORDER BY app.updated_at DESC NULLS LAST, app.id DESC))[1] AS status,
           string_agg(app.id, ';' ORDER BY app.id) AS ids
    FROM link JOIN app ON app.catalog = link.catalog AND app.id = link.id
    GROUP BY link.source_id
), per_opp AS (  -- the columns ace_funding_write.sql reads
    SELECT a.source_id, a.currencies, a.currency, a.requested, a.approved, a.disbursed, q.programs, q.status, q.ids
    FROM per_opp_amounts a LEFT JOIN per_opp_app q ON q.source_id = a.source_id
), touched AS (  -- the opportunities only_ids names (tracing a failure)
    SELECT source_id FROM link
)
