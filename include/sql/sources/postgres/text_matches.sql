-- Whether any row of the window has a column whose text matches the pattern (e.g. a secret-looking JSON key):
-- a cheap superset match run in the load's snapshot. When none does, a first load may COPY straight into raw.
SELECT EXISTS (SELECT 1 FROM {table} WHERE ({window}) AND ({matches}))
