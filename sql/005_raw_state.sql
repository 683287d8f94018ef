-- Ingestion state: per-table change-cursor watermarks and key-set fingerprints. Raw tables themselves are created from the
-- discovered source schema (partner_sync discover / the extract stage), never by hand.
CREATE TABLE IF NOT EXISTS ops.watermarks (
    source_system VARCHAR(50) NOT NULL,
    table_name VARCHAR(100) NOT NULL,
    cursor_column VARCHAR(100),             -- NULL for tables without a change cursor
    cursor_type TEXT,                       -- the source type of the cursor column, e.g. timestamp without time zone
    watermark TEXT,                         -- newest cursor value loaded, in the source type's text form
    key_count BIGINT,                       -- fingerprint of the source's key set at the last load:
    key_hash NUMERIC,                       -- unchanged means no deletion scan is needed
    last_job_id UUID REFERENCES ops.sync_jobs(job_id) ON DELETE SET NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (source_system, table_name)
);
