-- The exact type of one column of a source table (the checks compare in the column's own type).
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = %(table)s::regclass AND attname = %(column)s AND NOT attisdropped
