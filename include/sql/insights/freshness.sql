-- Freshness per table: the newest change cursor loaded and when, from the ingestion watermarks.
SELECT w.source_system, w.table_name, w.cursor_column, w.watermark, w.updated_at,
       round(EXTRACT(EPOCH FROM (now() - w.updated_at))::numeric) AS age_seconds, w.last_job_id
FROM ops.watermarks w
WHERE (%(source)s::text IS NULL OR w.source_system = %(source)s::text)
ORDER BY w.source_system, w.table_name
