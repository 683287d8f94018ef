-- Count and hash-sum of the source table's non-null keys in one backend: parallel workers would cost the
-- source (a live OLTP system) more than they save on an index-only scan. {key_hash} is the same fragment
-- raw/key_fingerprint.sql uses on the warehouse side (partner_sync.contracts.key_hash).
SET LOCAL max_parallel_workers_per_gather = 0;
SELECT count(*), COALESCE(sum({key_hash}), 0) FROM {table} s WHERE NOT ({null_key})
