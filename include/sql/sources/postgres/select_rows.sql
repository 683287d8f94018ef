-- The rows of one table in this run's window (COPY-out source): {extra} is this load's batch id as a last
-- column when the rows go straight into raw, so its per-row default is not evaluated.
SELECT {cols}{extra} FROM {table} WHERE {condition}
