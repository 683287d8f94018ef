"""partner_sync's part of the Airflow UI: the FastAPI app (service API v1 + pages) the plugin mounts at /partner-sync."""
