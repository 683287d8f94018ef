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
    INSERT INTO core.aws_accounts AS t (account_id, account_name, account_alias, company_id, company_name,
        company_website, company_domain, partner_id, partner_name, partner_email, salesperson_id, salesperson_name,
        salesperson_email, is_payer, payer_account_id, payer_account_name, is_billable, environment,
        combined_text, source_id)
    SELECT * FROM rows
    ON CONFLICT (account_id) DO UPDATE SET
        (account_name, account_alias, company_id, company_name, company_website, company_domain, partner_id,
         partner_name, partner_email, salesperson_id, salesperson_name, salesperson_email, is_payer,
         payer_account_id, payer_account_name, is_billable, environment, combined_text, source_id, updated_at)
        = (EXCLUDED.account_name, EXCLUDED.account_alias, EXCLUDED.company_id, EXCLUDED.company_name,
           EXCLUDED.company_website, EXCLUDED.company_domain, EXCLUDED.partner_id, EXCLUDED.partner_name,
           EXCLUDED.partner_email, EXCLUDED.salesperson_id, EXCLUDED.salesperson_name, EXCLUDED.salesperson_email,
           EXCLUDED.is_payer, EXCLUDED.payer_account_id, EXCLUDED.payer_account_name, EXCLUDED.is_billable,
           EXCLUDED.environment, EXCLUDED.combined_text, EXCLUDED.source_id, CURRENT_TIMESTAMP)
    WHERE ROW(t.account_name, t.account_alias, t.company_id, t.company_name, t.company_website, t.company_domain,
              t.partner_id, t.partner_name, t.partner_email, t.salesperson_id, t.salesperson_name,
              t.salesperson_email, t.is_payer, t.payer_account_id, t.payer_account_name, t.is_billable,
              t.environment, t.combined_text, t.source_id)
          IS DISTINCT FROM
          ROW(EXCLUDED.account_name, EXCLUDED.account_alias, EXCLUDED.company_id, EXCLUDED.company_name,
              EXCLUDED.company_website, EXCLUDED.company_domain, EXCLUDED.partner_id, EXCLUDED.partner_name,
              EXCLUDED.partner_email, EXCLUDED.salesperson_id, EXCLUDED.salesperson_name, EXCLUDED.salesperson_email,
              EXCLUDED.is_payer, EXCLUDED.payer_account_id, EXCLUDED.payer_account_name, EXCLUDED.is_billable,
              EXCLUDED.environment, EXCLUDED.combined_text, EXCLUDED.source_id)
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
