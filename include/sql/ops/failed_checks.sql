-- The failed checks of one job, errors first, with their sample keys (for the alert e-mail).
SELECT split_part(check_description, ': ', 1) AS name,
       failure_details->>'severity' AS severity,
       records_failed, records_checked,
       ARRAY(SELECT jsonb_array_elements_text(COALESCE(failure_details->'sample_keys', '[]'::jsonb))) AS sample_keys
FROM ops.data_quality_checks
WHERE sync_job_id = %(job_id)s::uuid AND passed IS FALSE
ORDER BY (failure_details->>'severity') = 'error' DESC, executed_at, check_id
