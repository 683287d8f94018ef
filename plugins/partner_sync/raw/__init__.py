"""The RAW layer: discover source columns, plan raw DDL and drift, stream rows in, keep watermarks."""
