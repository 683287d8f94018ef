-- What the pair features read from each Odoo opportunity (expected_revenue: TCV, annual or a fee).
SELECT o.source_id::text AS id, o.partner_name AS company, o.normalized_domain, o.partner_website AS website,
       o.partner_email AS email, o.aws_account_id AS account, o.aws_payer_account_id AS payer,
       o.expected_revenue AS amount, o.date_deadline AS close_date, o.create_date AS created,
       o.ace_opportunity_ref AS ace_ref, o.partner_country AS country
FROM core.odoo_opportunities o
