-- Typed staging for one table load: the raw table's types, no constraints, dropped at commit.
CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT {cols} FROM {raw} WITH NO DATA
