-- Source keys raw holds no row for at all, and that were never quarantined: a source restored from a backup
-- or replaced has new keys whose cursor lies before the watermark, which no incremental window reads.
SELECT {key_cols} FROM {keys} k
WHERE NOT EXISTS (SELECT 1 FROM {raw} r WHERE {join})
  AND NOT EXISTS (SELECT 1 FROM ops.quarantine q
                  WHERE q.source_system = %(source_system)s AND q.table_name = %(table_name)s
                    AND q.source_key = {key_text})
ORDER BY {key_cols}
