-- Deterministic evidence of an ACE opportunity (project_budget holds expected monthly AWS revenue).
SELECT a.source_id::text AS source_id, core.normalize_aws_account_id(a.aws_account) AS aws_account,
       a.normalized_domain AS domain, a.normalized_company_name AS company, a.close_date,
       a.aws_create_date::date AS created, a.project_budget AS monthly_amount
FROM core.ace_opportunities a
