-- One row per check run, linked to its sync job.
INSERT INTO ops.data_quality_checks (sync_job_id, table_name, check_type, check_description, passed, records_checked,
                                     records_passed, records_failed, failure_details)
VALUES (%(job_id)s, %(table_name)s, %(check_type)s, %(description)s, %(passed)s, %(checked)s, %(passed_n)s,
        %(failed)s, %(details)s::jsonb)
