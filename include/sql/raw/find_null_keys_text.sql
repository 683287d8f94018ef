-- Rows whose source key is NULL cannot be upserted or traced: quarantine them.
INSERT INTO {bad} (_raw_id, column_name, message)
SELECT t._raw_id, {column_name}, 'primary key is NULL'
FROM {tstage} t WHERE {null_key}
