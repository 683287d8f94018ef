-- Rows whose source key is NULL cannot be upserted or traced: quarantine them.
INSERT INTO {bad} (_row_no, column_name, message)
SELECT t._row_no, {column_name}, 'primary key is NULL'
FROM {tstage} t WHERE {null_key}
