-- Untyped staging for the validating path: every value as text, numbered so bad rows can be named. The number
-- takes a name of raw's own metadata (_raw_id), which no mirrored source column may have (schema.META_COLUMNS).
CREATE TEMP TABLE {tstage} ON COMMIT DROP AS SELECT {text_cols} FROM {raw} WITH NO DATA;
ALTER TABLE {tstage} ADD COLUMN _raw_id bigint GENERATED ALWAYS AS IDENTITY;
CREATE TEMP TABLE {bad} (_raw_id bigint, column_name text, message text) ON COMMIT DROP
