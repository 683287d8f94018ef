-- Cheap fingerprint of a set of keys: equal on both sides means no key-level transfer is needed.
SELECT count(*), COALESCE(sum({key_hash}::numeric), 0) FROM {table} s WHERE {filter}
