-- Rows whose change cursor lies beyond now + the tolerance ('infinity', 9999-12-31 ...): not loaded, so they
-- never become the watermark (which would skip every later change); quarantined with the reason on every
-- run until the source fixes the value. {scope} limits a direct load to this batch's rows.
WITH gone AS (
    DELETE FROM {stage} s
    WHERE s.{cursor}::timestamptz > now() + %(tolerance)s::interval AND {scope}
    RETURNING s.*
)
INSERT INTO ops.quarantine (sync_job_id, source_system, table_name, source_key, column_name, error_message,
                            payload, sync_batch_id)
SELECT %(job_id)s, %(source_system)s, %(table_name)s, {key_text}, %(cursor_column)s::text,
       format('change cursor %%s = %%s is beyond now + %%s: row not loaded and not used as the watermark; '
              'fix the value at the source', %(cursor_column)s::text, s.{cursor}::text, %(tolerance_text)s::text),
       to_jsonb(s) - %(meta_columns)s::text[], %(batch_id)s
FROM gone s
