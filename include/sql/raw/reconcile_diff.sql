-- Keys in one key range whose row in raw is missing, marked deleted, or hashes differently from the source.
INSERT INTO {diff} ({pk})
SELECT {s_pk} FROM {hashes} s
LEFT JOIN {raw} r ON {join}
WHERE r._raw_id IS NULL OR r._deleted_at IS NOT NULL OR md5(ROW({r_cols})::text) IS DISTINCT FROM s._hash
