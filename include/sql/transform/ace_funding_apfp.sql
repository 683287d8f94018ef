-- Funding per ACE opportunity from the APFP tables (database mode) into core.ace_opportunities.funding_*.
-- requested = requested cash + credits, approved = approved cash + credits, disbursed = cash claims AWS paid
-- (approved_amount of claims in status 'Paid') + credits redeemed; program / status / ids from the requests.
-- Every opportunity is recomputed (a request moving to another opportunity clears the old one); only rows
-- whose funding changed are written (by the shared tail ace_funding_write.sql, YAML `tail:`). Params: since
-- (unused: always complete), only_ids (funding_request_id text[] or NULL, for tracing a failure), rules.
WITH fr AS (
    SELECT f.funding_request_id, f.opportunity_id, f.program_name, f.status, f.last_modified_date,
           NULLIF(btrim(f.currency_code), '') AS currency,
           COALESCE(f.requested_cash_amount, 0) + COALESCE(f.requested_credit_amount, 0) AS requested,
           CASE WHEN f.approved_cash_amount IS NULL AND f.approved_credit_amount IS NULL THEN NULL
                ELSE COALESCE(f.approved_cash_amount, 0) + COALESCE(f.approved_credit_amount, 0) END AS approved,
           COALESCE(f.credits_redeemed_amount, 0) AS credits_redeemed
    FROM raw.apn_funding_request f
    WHERE f._deleted_at IS NULL AND NULLIF(btrim(f.opportunity_id), '') IS NOT NULL
      AND (%(only_ids)s::text[] IS NULL OR f.funding_request_id = ANY(%(only_ids)s::text[]))
), paid AS (
    SELECT c.funding_request_id, sum(c.approved_amount) AS paid
    FROM raw.apn_cash_claim c
    WHERE c._deleted_at IS NULL AND c.claim_status = 'Paid'
    GROUP BY c.funding_request_id
), per_opp AS (
    SELECT fr.opportunity_id AS source_id,
           count(DISTINCT fr.currency) AS currencies,
           string_agg(DISTINCT fr.currency, ';' ORDER BY fr.currency) AS currency,
           sum(fr.requested) AS requested, sum(fr.approved) AS approved,
           sum(COALESCE(paid.paid, 0) + fr.credits_redeemed) AS disbursed,
           string_agg(DISTINCT fr.program_name, ';' ORDER BY fr.program_name) AS programs,
           (array_agg(fr.status ORDER BY fr.last_modified_date DESC NULLS LAST, fr.funding_request_id DESC))[1]
               AS status,
           string_agg(fr.funding_request_id, ';' ORDER BY fr.funding_request_id) AS ids
    FROM fr LEFT JOIN paid ON paid.funding_request_id = fr.funding_request_id
    GROUP BY fr.opportunity_id
), touched AS (  -- the opportunities only_ids names (tracing a failure)
    SELECT opportunity_id AS source_id FROM fr
)
