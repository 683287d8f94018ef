-- Deterministic evidence of an Odoo opportunity, in the shape both sides share. expected_revenue is
-- the deal's yearly value; ACE states expected monthly AWS revenue, hence / 12.
SELECT o.source_id::text AS source_id, core.normalize_aws_account_id(o.aws_account_id) AS aws_account,
       o.normalized_domain AS domain, o.normalized_company_name AS company, o.date_deadline AS close_date,
       o.create_date::date AS created, o.expected_revenue / 12.0 AS monthly_amount
FROM core.odoo_opportunities o
