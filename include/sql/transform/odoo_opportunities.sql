-- core.odoo_opportunities from raw Odoo crm_lead (leads and opportunities), every foreign key resolved to names:
-- partner (the commercial company when the lead points at a contact), owner (res_users -> its partner),
-- team and stage (JSONB translations in %(lang)s), country/state, AWS account and its payer.
-- Params: changed (raw batch ids to re-derive, NULL: all), lang, only_ids (text[] or NULL), rules (lineage
-- JSON), ace_id_field (column name or NULL).
-- A standard Odoo without the partner's custom AWS module lacks these; they read as NULL then (transform.py):
-- optional table raw.odoo_c_aws_accounts: id integer, account_id varchar, name varchar, alias varchar, payer_account_id integer
-- optional columns raw.odoo_crm_lead: c_aws_account_id integer, c_origination varchar, c_aws_am_name varchar, c_aws_psm_name varchar
WITH rows AS (
    SELECT l.id AS source_id,
           COALESCE(NULLIF(btrim(l.name), ''), NULLIF(btrim(l.partner_name), ''), 'Lead ' || l.id) AS name,
           cp.id AS partner_id,
           COALESCE(cp.name, NULLIF(btrim(l.partner_name), ''), p.name) AS partner_name,
           lower(COALESCE(cp.email, p.email, l.email_from)) AS partner_email,
           COALESCE(cp.phone, p.phone, l.phone) AS partner_phone,
           COALESCE(cp.website, p.website, l.website) AS partner_website,
           COALESCE(cp.street, p.street, l.street) AS partner_street,
           COALESCE(cp.city, p.city, l.city) AS partner_city,
           st.name AS partner_state,
           core.translated(ctry.name, %(lang)s) AS partner_country,
           COALESCE(cp.is_company, false) AS partner_is_company,
           u.id AS user_id, up.name AS user_name, lower(up.email) AS user_email,
           tm.id AS team_id, core.translated(tm.name, %(lang)s) AS team_name,
           sg.id AS stage_id, core.translated(sg.name, %(lang)s) AS stage_name, sg.sequence AS stage_sequence,
           core.normalize_aws_account_id(acc.account_id) AS aws_account_id, acc.name AS aws_account_name,
           acc.alias AS aws_account_alias,
           core.normalize_aws_account_id(pay.account_id) AS aws_payer_account_id, pay.name AS aws_payer_account_name,
           round(l.probability::numeric, 2) AS probability,
           round(l.expected_revenue, 2) AS expected_revenue,
           l.c_origination AS origination, l.c_aws_am_name, l.c_aws_psm_name,
           l.create_date, l.date_closed AS close_date, l.date_deadline,
           COALESCE(cp.website, p.website, l.website) AS domain,
           core.normalize_domain(COALESCE(cp.website, p.website, l.website),
                                 COALESCE(cp.email, p.email, l.email_from)) AS normalized_domain,
           core.normalize_company_name(COALESCE(cp.name, NULLIF(btrim(l.partner_name), ''), p.name))
               AS normalized_company_name,
           concat_ws(' | ',
               'Opportunity: ' || COALESCE(NULLIF(btrim(l.name), ''), 'Lead ' || l.id),
               'Company: ' || COALESCE(cp.name, NULLIF(btrim(l.partner_name), ''), p.name),
               'Domain: ' || core.normalize_domain(COALESCE(cp.website, p.website, l.website),
                                                    COALESCE(cp.email, p.email, l.email_from)),
               'AWS account: ' || core.normalize_aws_account_id(acc.account_id),
               'Country: ' || core.translated(ctry.name, %(lang)s),
               'Stage: ' || core.translated(sg.name, %(lang)s),
               'Team: ' || core.translated(tm.name, %(lang)s),
               'Owner: ' || up.name,
               'Origination: ' || l.c_origination,
               'Description: ' || NULLIF(left(btrim(regexp_replace(l.description, '<[^>]*>', ' ', 'g')), 1000), '')
           ) AS combined_text,
           l.type AS lead_type, l.active,
           NULLIF(left(btrim(regexp_replace(regexp_replace(l.description, '<[^>]*>', ' ', 'g'), '\s+', ' ', 'g')),
                       4000), '') AS description,
           -- the ACE id some partners keep in a custom field (odoo.yml ace_id_field; NULL when none)
           NULLIF(btrim(to_jsonb(l) ->> %(ace_id_field)s::text), '') AS ace_opportunity_ref
    FROM raw.odoo_crm_lead l
    LEFT JOIN raw.odoo_res_partner p ON p.id = l.partner_id AND p._deleted_at IS NULL
    LEFT JOIN raw.odoo_res_partner cp ON cp.id = COALESCE(p.commercial_partner_id, p.id) AND cp._deleted_at IS NULL
    LEFT JOIN raw.odoo_res_country_state st ON st.id = COALESCE(cp.state_id, l.state_id) AND st._deleted_at IS NULL
    LEFT JOIN raw.odoo_res_country ctry ON ctry.id = COALESCE(cp.country_id, l.country_id) AND ctry._deleted_at IS NULL
    LEFT JOIN raw.odoo_res_users u ON u.id = l.user_id AND u._deleted_at IS NULL
    LEFT JOIN raw.odoo_res_partner up ON up.id = u.partner_id AND up._deleted_at IS NULL
    LEFT JOIN raw.odoo_crm_team tm ON tm.id = l.team_id AND tm._deleted_at IS NULL
    LEFT JOIN raw.odoo_crm_stage sg ON sg.id = l.stage_id AND sg._deleted_at IS NULL
    LEFT JOIN raw.odoo_c_aws_accounts acc ON acc.id = l.c_aws_account_id AND acc._deleted_at IS NULL
    LEFT JOIN raw.odoo_c_aws_accounts pay ON pay.id = acc.payer_account_id AND pay._deleted_at IS NULL
    WHERE l._deleted_at IS NULL
      AND (%(only_ids)s::text[] IS NULL OR l.id::text = ANY(%(only_ids)s::text[]))
      -- commit-ordered: rows of the raw batches the last run could not see (NULL: every row)
      AND (%(changed)s::uuid[] IS NULL
           OR l._sync_batch_id = ANY(%(changed)s::uuid[])
           OR p._sync_batch_id = ANY(%(changed)s::uuid[])
           OR cp._sync_batch_id = ANY(%(changed)s::uuid[])
           OR st._sync_batch_id = ANY(%(changed)s::uuid[])
           OR ctry._sync_batch_id = ANY(%(changed)s::uuid[])
           OR u._sync_batch_id = ANY(%(changed)s::uuid[])
           OR up._sync_batch_id = ANY(%(changed)s::uuid[])
           OR tm._sync_batch_id = ANY(%(changed)s::uuid[])
           OR sg._sync_batch_id = ANY(%(changed)s::uuid[])
           OR acc._sync_batch_id = ANY(%(changed)s::uuid[])
           OR pay._sync_batch_id = ANY(%(changed)s::uuid[]))
), up AS (
    -- the column lists come from the columns rows yields and the target's catalog (transform.expand_columns)
    INSERT INTO core.odoo_opportunities AS t ({columns})
    SELECT {columns} FROM rows
    ON CONFLICT (source_id) DO UPDATE SET ({set_columns}, updated_at) = ({excluded_values}, CURRENT_TIMESTAMP)
    WHERE ROW({t_values}) IS DISTINCT FROM ROW({excluded_values})
    RETURNING t.opportunity_id, t.source_id, (xmax = 0) AS inserted
), lineage AS (
    INSERT INTO ops.transformation_log (source_table, target_table, source_record_id, target_record_id,
                                        transformation_type, transformation_rules)
    SELECT 'raw.odoo_crm_lead', 'core.odoo_opportunities', up.source_id::text, up.opportunity_id,
           CASE WHEN up.inserted THEN 'insert' ELSE 'update' END, %(rules)s::jsonb
    FROM up
    RETURNING 1
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted), (SELECT count(*) FROM lineage)
FROM up
