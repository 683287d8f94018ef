-- What the transforms need beyond the seed's CORE tables: the Odoo lead type (leads and opportunities
-- share crm_lead), the ACE sales stage (LifeCycle.Stage, which the seed has no column for), and the
-- per-target state that makes transforms incremental.
ALTER TABLE core.odoo_opportunities ADD COLUMN IF NOT EXISTS lead_type VARCHAR(20);      -- 'lead' | 'opportunity'
ALTER TABLE core.odoo_opportunities ADD COLUMN IF NOT EXISTS active BOOLEAN;             -- false: archived / lost
ALTER TABLE core.ace_opportunities ADD COLUMN IF NOT EXISTS stage VARCHAR(100);          -- LifeCycle.Stage
ALTER TABLE core.aws_accounts ADD COLUMN IF NOT EXISTS source_id INTEGER;                -- c_aws_accounts.id

CREATE TABLE IF NOT EXISTS ops.transform_state (
    target_table VARCHAR(100) PRIMARY KEY,
    rules_hash TEXT NOT NULL,                 -- sha256 of the template: a changed template rebuilds everything
    last_ingested_at TIMESTAMPTZ,             -- newest raw _ingested_at already derived
    last_job_id UUID REFERENCES ops.sync_jobs(job_id) ON DELETE SET NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
