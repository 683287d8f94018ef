-- The source key-set fingerprint stored by the last load of this table.
SELECT key_count, key_hash FROM ops.watermarks WHERE source_system = %(source_system)s AND table_name = %(table_name)s
