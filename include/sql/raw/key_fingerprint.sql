-- Cheap fingerprint of a set of keys: equal on both sides means no key-level transfer is needed.
SELECT count(*), COALESCE(sum(hashtextextended({key_text}, 0)::numeric), 0) FROM {table} s WHERE {filter}
