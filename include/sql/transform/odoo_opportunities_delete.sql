-- Leads deleted at the source (raw _deleted_at) or gone from raw leave core, with lineage.
WITH gone AS (
    DELETE FROM core.odoo_opportunities t
    WHERE NOT EXISTS (SELECT 1 FROM raw.odoo_crm_lead l WHERE l.id = t.source_id AND l._deleted_at IS NULL)
    RETURNING t.opportunity_id, t.source_id
), lineage AS (
    INSERT INTO ops.transformation_log (source_table, target_table, source_record_id, target_record_id,
                                        transformation_type, transformation_rules)
    SELECT 'raw.odoo_crm_lead', 'core.odoo_opportunities', gone.source_id::text, gone.opportunity_id, 'delete',
           %(rules)s::jsonb FROM gone
    RETURNING 1
)
SELECT count(*) FROM lineage
