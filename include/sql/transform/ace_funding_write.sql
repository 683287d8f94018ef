-- The shared tail of the funding templates (YAML `tail: ace_funding_write`): the engine appends it to
-- ace_funding_apfp.sql or ace_funding_benefits.sql, whose WITH ends in the CTEs per_opp (source_id, currencies,
-- currency, requested, approved, disbursed, programs, status, ids: one row per ACE opportunity) and touched
-- (source_id: the opportunities only_ids names). Amounts in two currencies are not summed (NULL, currency 'A;B');
-- only rows whose funding changed are written; lineage names the target's driving table (YAML driving_table).
, rows AS (  -- named as core.ace_opportunities' columns: the UPDATE's lists come from them
    SELECT o.opportunity_id,
           CASE WHEN p.currencies <= 1 THEN p.requested END AS funding_requested_amount,
           CASE WHEN p.currencies <= 1 THEN p.approved END AS funding_approved_amount,
           CASE WHEN p.currencies <= 1 THEN p.disbursed END AS funding_disbursed_amount,
           p.currency AS funding_currency, p.programs AS funding_programs, p.status AS funding_status,
           p.ids AS funding_ids
    FROM core.ace_opportunities o
    LEFT JOIN per_opp p ON p.source_id = o.source_id
    WHERE %(only_ids)s::text[] IS NULL OR o.source_id IN (SELECT source_id FROM touched)
), up AS (
    UPDATE core.ace_opportunities t
    SET ({set_columns}, updated_at) = ({r_values}, CURRENT_TIMESTAMP)
    FROM rows r
    WHERE t.opportunity_id = r.opportunity_id AND ROW({t_values}) IS DISTINCT FROM ROW({r_values})
    RETURNING t.opportunity_id, t.source_id, t.funding_ids
), lineage AS (
    INSERT INTO ops.transformation_log (source_table, target_table, source_record_id, target_record_id,
                                        transformation_type, transformation_rules)
    SELECT %(driving_table)s::text, 'core.ace_opportunities.funding',
           left(COALESCE(up.funding_ids, up.source_id), 500), up.opportunity_id, 'update', %(rules)s::jsonb
    FROM up
    RETURNING 1
)
SELECT 0, (SELECT count(*) FROM up), (SELECT count(*) FROM lineage)
