-- A source table shaped like Odoo's crm_lead with customisations: ~180 columns of mixed types.
-- {table} is the table name, {rows} the row count; values are deterministic functions of g.
DROP TABLE IF EXISTS {table};
CREATE TABLE {table} AS
SELECT g AS id,
       TIMESTAMP '2026-01-01' + (g % 100000) * interval '1 minute' AS write_date,
       {columns}
FROM generate_series(1, {rows}) g;
ALTER TABLE {table} ADD PRIMARY KEY (id);
