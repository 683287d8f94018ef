-- Pass rate per check and day over the last N days (GET /validate/metrics).
SELECT j.source_system, split_part(c.check_description, ': ', 1) AS check_name,
       date_trunc('day', c.executed_at)::date AS day,
       count(*) AS runs,
       count(*) FILTER (WHERE c.passed) AS passed,
       count(*) FILTER (WHERE c.passed IS FALSE) AS failed,
       count(*) FILTER (WHERE c.passed IS NULL) AS skipped,
       round((count(*) FILTER (WHERE c.passed))::numeric / NULLIF(count(*) FILTER (WHERE c.passed IS NOT NULL), 0), 4)
           AS pass_rate
FROM ops.data_quality_checks c JOIN ops.sync_jobs j ON j.job_id = c.sync_job_id
WHERE c.executed_at >= CURRENT_TIMESTAMP - make_interval(days => %(days)s)
  AND (%(source)s::text IS NULL OR j.source_system = %(source)s::text)
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
