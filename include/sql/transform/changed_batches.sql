-- Raw batches written by transactions the target's last transform could not see (xact_id >= its mark).
SELECT COALESCE(array_agg(batch_id), '{}') FROM ops.raw_batches WHERE xact_id >= %(since_xact)s::xid8
