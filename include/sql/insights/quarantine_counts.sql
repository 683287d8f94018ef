-- Quarantined rows per source, table and day over the last N days (GET /validate/metrics).
SELECT source_system, table_name, date_trunc('day', quarantined_at)::date AS day, count(*) AS rows
FROM ops.quarantine
WHERE quarantined_at >= CURRENT_TIMESTAMP - make_interval(days => %(days)s)
  AND (%(source)s::text IS NULL OR source_system = %(source)s::text)
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
