-- Cheap fingerprint of a set of keys: equal on both sides means no key-level transfer is needed.
-- sum() of the int8 hashes accumulates in 128 bits and returns numeric: the same value as summing them as
-- numeric, several times faster.
SELECT count(*), COALESCE(sum({key_hash}), 0) FROM {table} s WHERE {filter}
