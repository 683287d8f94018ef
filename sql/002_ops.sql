-- Operational tracking (seed: OPS Schema Models), plus the quarantine for rows that cannot be stored.

-- Sync job tracking
CREATE TABLE IF NOT EXISTS ops.sync_jobs (
    job_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    source_system VARCHAR(50) NOT NULL,  -- 'odoo' or 'apn'
    job_type VARCHAR(50) NOT NULL,       -- 'full_sync' or 'incremental'
    status VARCHAR(50) DEFAULT 'pending',
    started_at TIMESTAMP,
    completed_at TIMESTAMP,
    -- Metrics
    records_processed INTEGER DEFAULT 0,
    records_inserted INTEGER DEFAULT 0,
    records_updated INTEGER DEFAULT 0,
    records_failed INTEGER DEFAULT 0,
    -- Error handling
    error_message TEXT,
    error_details JSONB,
    -- Configuration
    config JSONB,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX IF NOT EXISTS idx_sync_jobs_status ON ops.sync_jobs(status);
CREATE INDEX IF NOT EXISTS idx_sync_jobs_source ON ops.sync_jobs(source_system);

-- Data quality checks
CREATE TABLE IF NOT EXISTS ops.data_quality_checks (
    check_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    sync_job_id UUID REFERENCES ops.sync_jobs(job_id),
    table_name VARCHAR(100) NOT NULL,
    check_type VARCHAR(100) NOT NULL,
    check_description TEXT,
    -- Results
    passed BOOLEAN,
    records_checked INTEGER,
    records_passed INTEGER,
    records_failed INTEGER,
    -- Details
    failure_details JSONB,
    executed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX IF NOT EXISTS idx_quality_checks_job ON ops.data_quality_checks(sync_job_id);
CREATE INDEX IF NOT EXISTS idx_quality_checks_table ON ops.data_quality_checks(table_name);

-- Transformation lineage
CREATE TABLE IF NOT EXISTS ops.transformation_log (
    log_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    source_table VARCHAR(100) NOT NULL,
    target_table VARCHAR(100) NOT NULL,
    source_record_id VARCHAR(500),
    target_record_id UUID,
    transformation_type VARCHAR(100),
    -- Audit
    transformed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    transformation_rules JSONB
);

CREATE INDEX IF NOT EXISTS idx_transform_source ON ops.transformation_log(source_table, source_record_id);
CREATE INDEX IF NOT EXISTS idx_transform_target ON ops.transformation_log(target_table, target_record_id);

-- Bad rows (seed scenario 3, "Data Type Mismatch"): kept for review, never silently dropped.
CREATE TABLE IF NOT EXISTS ops.quarantine (
    quarantine_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    sync_job_id UUID REFERENCES ops.sync_jobs(job_id),
    source_system VARCHAR(50) NOT NULL,
    table_name VARCHAR(100) NOT NULL,
    source_key TEXT,                       -- the row's source primary key, as text (NULL when the key itself is bad)
    column_name VARCHAR(100),              -- the offending column, when known
    error_message TEXT NOT NULL,
    payload JSONB,                         -- the whole row as the source sent it
    sync_batch_id UUID,
    quarantined_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX IF NOT EXISTS idx_quarantine_job ON ops.quarantine(sync_job_id);
CREATE INDEX IF NOT EXISTS idx_quarantine_table ON ops.quarantine(source_system, table_name);
