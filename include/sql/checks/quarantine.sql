-- Rows this job sent to quarantine, by table.
SELECT count(*), count(*), (array_agg(table_name || ':' || COALESCE(source_key, 'NULL') || ':' || COALESCE(column_name, '')
                                      ORDER BY table_name, source_key))[1:20]
FROM ops.quarantine WHERE sync_job_id = %(job_id)s OR (%(job_id)s IS NULL AND source_system = %(source)s)
