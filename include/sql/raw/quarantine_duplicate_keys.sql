-- Every copy of a key that the source holds more than once: none is loaded (which one is right cannot be
-- known), all go to quarantine naming the key; raw keeps the row it had.
WITH d AS (
    SELECT {pk}, count(*) AS copies FROM {stage} GROUP BY {pk} HAVING count(*) > 1
), gone AS (
    DELETE FROM {stage} s USING d WHERE {join} RETURNING s.*, d.copies AS _copies
)
INSERT INTO ops.quarantine (sync_job_id, source_system, table_name, source_key, column_name, error_message,
                            payload, sync_batch_id)
SELECT %(job_id)s, %(source_system)s, %(table_name)s, {key_text}, %(key_columns)s::text,
       format('primary key (%%s) = %%s appears %%s times at the source: every copy quarantined, raw keeps its row',
              %(key_columns)s::text, {key_text}, s._copies),
       to_jsonb(s) - '_copies', %(batch_id)s
FROM gone s
