-- Values of one column that its raw type cannot hold, with PostgreSQL's own error text.
INSERT INTO {bad} (_raw_id, column_name, message)
SELECT t._raw_id, {column_name}, (pg_input_error_info(t.{col}, {type_name})).message
FROM {tstage} t
WHERE t.{col} IS NOT NULL AND NOT pg_input_is_valid(t.{col}, {type_name})
