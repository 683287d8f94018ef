"""Read models over the warehouse's ops and search schemas for people: jobs, data quality, freshness, health.

No Airflow and no web framework here: the Airflow UI plugin (``partner_sync.airflow.ui``) and anything
else that shows partner_sync's state call these functions and render what they return (plain dicts).
"""
