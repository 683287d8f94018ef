-- core.aws_accounts from raw Odoo c_aws_accounts: the 12-digit id, company/partner/salesperson names, payer.
-- Params: changed (raw batch ids to re-derive, NULL: all), lang, only_ids (text[] or NULL), job_id, rules.
WITH acc AS (
    SELECT DISTINCT ON (core.normalize_aws_account_id(a.account_id))
           a.id, core.normalize_aws_account_id(a.account_id) AS account_id, a.name, a.alias,
           a.customer_company_id, a.partner_id, a.user_id, a.is_payer, a.payer_account_id, a.is_billable,
           a.environment, a._ingested_at, a._sync_batch_id
    FROM raw.odoo_c_aws_accounts a
    WHERE a._deleted_at IS NULL AND core.normalize_aws_account_id(a.account_id) IS NOT NULL
    ORDER BY core.normalize_aws_account_id(a.account_id), a.active DESC NULLS LAST, a.write_date DESC NULLS LAST, a.id
), rows AS (
    SELECT acc.account_id, acc.name AS account_name, acc.alias AS account_alias,
           co.id AS company_id, co.name AS company_name, co.website AS company_website,
           core.normalize_domain(co.website, co.email) AS company_domain,
           pa.id AS partner_id, pa.name AS partner_name, lower(pa.email) AS partner_email,
           us.id AS salesperson_id, usp.name AS salesperson_name, lower(usp.email) AS salesperson_email,
           COALESCE(acc.is_payer, false) AS is_payer,
           core.normalize_aws_account_id(pay.account_id) AS payer_account_id, pay.name AS payer_account_name,
           COALESCE(acc.is_billable, true) AS is_billable, acc.environment,
           concat_ws(' | ', 'AWS account: ' || acc.account_id, 'Name: ' || acc.name, 'Alias: ' || acc.alias,
                     'Company: ' || co.name, 'Domain: ' || core.normalize_domain(co.website, co.email),
                     'Payer: ' || pay.name, 'Environment: ' || acc.environment) AS combined_text,
           acc.id AS source_id
    FROM acc
    LEFT JOIN raw.odoo_res_partner co ON co.id = acc.customer_company_id AND co._deleted_at IS NULL
    LEFT JOIN raw.odoo_res_partner pa ON pa.id = acc.partner_id AND pa._deleted_at IS NULL
    LEFT JOIN raw.odoo_res_users us ON us.id = acc.user_id AND us._deleted_at IS NULL
    LEFT JOIN raw.odoo_res_partner usp ON usp.id = us.partner_id AND usp._deleted_at IS NULL
    LEFT JOIN raw.odoo_c_aws_accounts pay ON pay.id = acc.payer_account_id AND pay._deleted_at IS NULL
    WHERE (%(only_ids)s::text[] IS NULL OR acc.id::text = ANY(%(only_ids)s::text[]))
      -- commit-ordered: rows of the raw batches the last run could not see (NULL: every row)
      AND (%(changed)s::uuid[] IS NULL
           OR acc._sync_batch_id = ANY(%(changed)s::uuid[])
           OR co._sync_batch_id = ANY(%(changed)s::uuid[])
           OR pa._sync_batch_id = ANY(%(changed)s::uuid[])
           OR us._sync_batch_id = ANY(%(changed)s::uuid[])
           OR usp._sync_batch_id = ANY(%(changed)s::uuid[])
           OR pay._sync_batch_id = ANY(%(changed)s::uuid[]))
), up AS (
    -- the column lists come from the columns rows yields and the target's catalog (transform.expand_columns)
    INSERT INTO core.aws_accounts AS t ({columns})
    SELECT {columns} FROM rows
    ON CONFLICT (account_id) DO UPDATE SET ({set_columns}, updated_at) = ({excluded_values}, CURRENT_TIMESTAMP)
    WHERE ROW({t_values}) IS DISTINCT FROM ROW({excluded_values})
    RETURNING t.account_id, t.source_id, (xmax = 0) AS inserted
), lineage AS (
    INSERT INTO ops.transformation_log (source_table, target_table, source_record_id, target_record_id,
                                        transformation_type, transformation_rules)
    SELECT 'raw.odoo_c_aws_accounts', 'core.aws_accounts', up.source_id::text || ' -> ' || up.account_id, NULL,
           CASE WHEN up.inserted THEN 'insert' ELSE 'update' END, %(rules)s::jsonb
    FROM up
    RETURNING 1
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted), (SELECT count(*) FROM lineage)
FROM up
