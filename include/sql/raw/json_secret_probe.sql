-- Whether any row of the window may carry a secret-looking JSON key: a cheap superset match on the JSON text,
-- run at the source in the load's snapshot. When none may, a first load still COPYs straight into raw.
SELECT EXISTS (SELECT 1 FROM {table} WHERE ({window}) AND ({matches}))
