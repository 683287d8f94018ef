-- ACE opportunities deleted at the source (raw _deleted_at) or gone from raw leave core, with lineage.
WITH gone AS (
    DELETE FROM core.ace_opportunities t
    WHERE NOT EXISTS (SELECT 1 FROM raw.apn_opportunity o WHERE o.id = t.source_id AND o._deleted_at IS NULL)
    RETURNING t.opportunity_id, t.source_id
), lineage AS (
    INSERT INTO ops.transformation_log (source_table, target_table, source_record_id, target_record_id,
                                        transformation_type, transformation_rules)
    SELECT 'raw.apn_opportunity', 'core.ace_opportunities', gone.source_id, gone.opportunity_id, 'delete',
           %(rules)s::jsonb FROM gone
    RETURNING 1
)
SELECT count(*) FROM lineage
