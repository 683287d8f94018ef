-- Copy every bad row, as the source sent it, into ops.quarantine (one row per offending column).
INSERT INTO ops.quarantine (sync_job_id, source_system, table_name, source_key, column_name, error_message,
                            payload, sync_batch_id)
SELECT %(job_id)s, %(source_system)s, %(table_name)s, {key_text}, b.column_name,
       b.message, to_jsonb(t) - '_raw_id', %(batch_id)s
FROM {bad} b JOIN {tstage} t USING (_raw_id)
