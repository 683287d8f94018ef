-- Untyped staging for the validating path: every value as text, numbered so bad rows can be named.
CREATE TEMP TABLE {tstage} ON COMMIT DROP AS SELECT {text_cols} FROM {raw} WITH NO DATA;
ALTER TABLE {tstage} ADD COLUMN _row_no bigint GENERATED ALWAYS AS IDENTITY;
CREATE TEMP TABLE {bad} (_row_no bigint, column_name text, message text) ON COMMIT DROP
