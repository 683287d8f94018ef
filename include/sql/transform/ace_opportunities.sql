-- core.ace_opportunities from raw APN opportunity (ACE field names; database and Partner Central modes land the
-- same columns). Customer contact falls back to the primary end user, the partner rep to the APN user record,
-- and aws_account_name comes from core.aws_accounts (Odoo), so accounts changing there re-derive these rows.
-- Params: changed (raw batch ids to re-derive, NULL: all), since (core.aws_accounts changed after it), only_ids
-- (text[] or NULL), rules.
WITH eu AS (
    SELECT DISTINCT ON (e.opportunity_id) e.opportunity_id, e.first_name, e.last_name, e.email, e._ingested_at,
           e._sync_batch_id
    FROM raw.apn_end_user e
    WHERE e._deleted_at IS NULL
    ORDER BY e.opportunity_id, e.is_primary DESC NULLS LAST, e.contact_order NULLS LAST, e.end_user_id
), rows AS (
    SELECT o.id AS source_id,
           COALESCE(NULLIF(btrim(o.partner_project_title), ''),
                    concat_ws(' ', NULLIF(btrim(o.customer_company_name), ''), o.id)) AS name,
           o.customer_company_name AS account_name,
           lower(COALESCE(NULLIF(o.customer_email, ''), eu.email)) AS customer_email,
           COALESCE(NULLIF(concat_ws(' ', o.customer_first_name, o.customer_last_name), ''),
                    NULLIF(concat_ws(' ', eu.first_name, eu.last_name), '')) AS customer_name,
           core.normalize_aws_account_id(o.aws_account_id) AS aws_account,
           acc.account_name AS aws_account_name,
           o.expected_monthly_aws_revenue AS project_budget,
           o.opportunity_type, o.opportunity_ownership, o.delivery_model, o.use_case,
           CASE WHEN o.industry = 'Other' AND NULLIF(o.industry_other, '') IS NOT NULL
                THEN 'Other: ' || o.industry_other ELSE o.industry END AS industry,
           COALESCE(NULLIF(o.opportunity_owner_name, ''), usr.full_name,
                    NULLIF(concat_ws(' ', o.primary_contact_first_name, o.primary_contact_last_name), ''))
               AS partner_sales_rep_name,
           lower(COALESCE(NULLIF(o.opportunity_owner_email, ''), o.primary_contact_email)) AS partner_sales_rep_email,
           o.aws_sales_rep_name, lower(o.aws_sales_rep_email) AS aws_sales_rep_email,
           o.aws_partner_success_manager_name AS psm_name, lower(o.aws_partner_success_manager_email) AS psm_email,
           o.status, o.aws_stage AS aws_status, o.partner_acceptance_status,
           o.target_close_date AS close_date,
           o.created_date AT TIME ZONE 'UTC' AS aws_create_date,
           o.last_modified_date AT TIME ZONE 'UTC' AS aws_last_modified_date,
           o.customer_website AS domain,
           core.normalize_domain(o.customer_website, COALESCE(NULLIF(o.customer_email, ''), eu.email))
               AS normalized_domain,
           core.normalize_company_name(o.customer_company_name) AS normalized_company_name,
           concat_ws(' | ',
               'Opportunity: ' || COALESCE(NULLIF(btrim(o.partner_project_title), ''), o.id),
               'Company: ' || o.customer_company_name,
               'Domain: ' || core.normalize_domain(o.customer_website, COALESCE(NULLIF(o.customer_email, ''), eu.email)),
               'AWS account: ' || core.normalize_aws_account_id(o.aws_account_id),
               'Industry: ' || o.industry,
               'Use case: ' || o.use_case,
               'Stage: ' || o.stage,
               'Description: ' || NULLIF(left(btrim(o.project_description), 1000), '')
           ) AS combined_text,
           o.stage,
           NULLIF(btrim(o.partner_crm_unique_identifier), '') AS partner_crm_unique_identifier,
           NULLIF(left(btrim(o.project_description), 4000), '') AS project_description,
           NULLIF(replace(btrim(o.aws_products), ';', ', '), '') AS aws_products,
           o.country
    FROM raw.apn_opportunity o
    LEFT JOIN eu ON eu.opportunity_id = o.id
    LEFT JOIN raw.apn_users usr ON lower(usr.email) = lower(o.opportunity_owner_email) AND usr._deleted_at IS NULL
    LEFT JOIN core.aws_accounts acc ON acc.account_id = core.normalize_aws_account_id(o.aws_account_id)
    WHERE o._deleted_at IS NULL
      AND (%(only_ids)s::text[] IS NULL OR o.id = ANY(%(only_ids)s::text[]))
      -- commit-ordered: rows of the raw batches the last run could not see (NULL: every row)
      AND (%(changed)s::uuid[] IS NULL
           OR o._sync_batch_id = ANY(%(changed)s::uuid[])
           OR eu._sync_batch_id = ANY(%(changed)s::uuid[])
           OR usr._sync_batch_id = ANY(%(changed)s::uuid[])
           OR acc.updated_at AT TIME ZONE current_setting('TimeZone') > %(since)s)
), up AS (
    -- the column lists come from the columns rows yields and the target's catalog (transform.expand_columns)
    INSERT INTO core.ace_opportunities AS t ({columns})
    SELECT {columns} FROM rows
    ON CONFLICT (source_id) DO UPDATE SET ({set_columns}, updated_at) = ({excluded_values}, CURRENT_TIMESTAMP)
    WHERE ROW({t_values}) IS DISTINCT FROM ROW({excluded_values})
    RETURNING t.opportunity_id, t.source_id, (xmax = 0) AS inserted
), lineage AS (
    INSERT INTO ops.transformation_log (source_table, target_table, source_record_id, target_record_id,
                                        transformation_type, transformation_rules)
    SELECT 'raw.apn_opportunity', 'core.ace_opportunities', up.source_id, up.opportunity_id,
           CASE WHEN up.inserted THEN 'insert' ELSE 'update' END, %(rules)s::jsonb
    FROM up
    RETURNING 1
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted), (SELECT count(*) FROM lineage)
FROM up
