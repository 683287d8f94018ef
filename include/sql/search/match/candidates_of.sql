-- One entity's cached candidates with their labels and evidence (partner_sync matches). Params: direction, source_id.
SELECT CASE c.source_table WHEN 'odoo_opportunities' THEN concat_ws(' / ', so.name, so.partner_name)
                           ELSE concat_ws(' / ', sa.name, sa.account_name) END AS source_label,
       c.rank, c.target_id,
       CASE c.target_table WHEN 'ace_opportunities' THEN concat_ws(' / ', ta.name, ta.account_name)
                           ELSE concat_ws(' / ', tod.name, tod.partner_name) END AS target_label,
       c.similarity_score, c.signals
FROM search.similarity_cache c
LEFT JOIN core.odoo_opportunities so ON c.source_table = 'odoo_opportunities' AND so.source_id::text = c.source_id
LEFT JOIN core.ace_opportunities sa ON c.source_table = 'ace_opportunities' AND sa.source_id = c.source_id
LEFT JOIN core.ace_opportunities ta ON c.target_table = 'ace_opportunities' AND ta.source_id = c.target_id
LEFT JOIN core.odoo_opportunities tod ON c.target_table = 'odoo_opportunities' AND tod.source_id::text = c.target_id
WHERE c.direction = %(direction)s AND c.source_id = %(source_id)s
ORDER BY c.rank
