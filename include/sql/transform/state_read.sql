-- Where the last transform of a target stopped, and with which template text.
SELECT rules_hash, last_ingested_at, last_xact_id FROM ops.transform_state WHERE target_table = %(target)s
