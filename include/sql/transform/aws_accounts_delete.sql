-- AWS accounts whose Odoo row is gone (or no longer carries that id) leave core, with lineage.
WITH gone AS (
    DELETE FROM core.aws_accounts t
    WHERE NOT EXISTS (SELECT 1 FROM raw.odoo_c_aws_accounts a
                      WHERE a._deleted_at IS NULL AND core.normalize_aws_account_id(a.account_id) = t.account_id)
    RETURNING t.account_id, t.source_id
), lineage AS (
    INSERT INTO ops.transformation_log (source_table, target_table, source_record_id, transformation_type,
                                        transformation_rules)
    SELECT 'raw.odoo_c_aws_accounts', 'core.aws_accounts', gone.source_id::text || ' -> ' || gone.account_id,
           'delete', %(rules)s::jsonb FROM gone
    RETURNING 1
)
SELECT count(*) FROM lineage
