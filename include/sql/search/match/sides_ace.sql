-- What the pair features read from each ACE opportunity (project_budget: expected monthly AWS revenue, USD).
SELECT a.source_id AS id, a.account_name AS company, a.normalized_domain, a.domain AS website,
       a.customer_email AS email, a.aws_account AS account, a.project_budget AS amount, a.close_date,
       a.aws_create_date AS created, a.status, a.partner_acceptance_status AS acceptance,
       a.partner_crm_unique_identifier AS crm_id, a.country
FROM core.ace_opportunities a
