-- Fast path: the only bad row a same-typed stream can hold is one without a key.
WITH gone AS (DELETE FROM {stage} s WHERE {null_key} RETURNING s.*)
INSERT INTO ops.quarantine (sync_job_id, source_system, table_name, source_key, column_name, error_message,
                            payload, sync_batch_id)
SELECT %(job_id)s, %(source_system)s, %(table_name)s, NULL, {column_name}, 'primary key is NULL',
       to_jsonb(g), %(batch_id)s
FROM gone g
