-- row_count check: the source table's rows, those created before the run's upper bound when {before} says so.
SELECT count(*) FROM {table} WHERE {before}
