-- Keys of this run's window that appear more than once in the whole table (the source does not enforce its
-- key): an incremental window may hold one copy only, so the table itself is asked.
SELECT {key_cols} FROM {table} AS s
WHERE ({key_cols}) IN (SELECT {key_cols} FROM {table} AS s WHERE {window}) AND NOT ({null_key})
GROUP BY {key_cols} HAVING count(*) > 1
