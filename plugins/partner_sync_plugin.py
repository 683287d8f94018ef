"""partner_sync's part of the Airflow UI: one AirflowPlugin (Airflow loads it from this plugins folder).

- ``fastapi_apps``: the service API (``/partner-sync/api/v1``, OpenAPI at ``/partner-sync/api/v1/docs``) and the
  server-rendered pages, mounted in the api-server at ``/partner-sync``; authentication and authorization go
  through Airflow's own auth manager (``partner_sync.airflow.ui.auth``). Built on the first request
  (``LazyASGIApp``): Airflow imports plugins in every process, each task included.
- ``external_views``: the pages in Airflow's navigation (category partner_sync) and a "Sync job" tab on every
  DAG run, which for the source DAGs shows that run's ``ops.sync_jobs`` job.

The engine (``partner_sync``) never imports this module; it stays importable without Airflow.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from partner_sync.airflow.ui.lazy import LazyASGIApp

URL_PREFIX = "/partner-sync"
CATEGORY = "partner_sync"


def _create_app():
    from partner_sync.airflow.ui.app import create_app

    return create_app()


def _view(name: str, path: str, route: str, destination: str = "nav") -> dict:
    view = {"name": name, "href": URL_PREFIX + path, "url_route": route, "destination": destination}
    if destination == "nav":
        view["category"] = CATEGORY
    return view


class PartnerSyncPlugin(AirflowPlugin):
    name = "partner_sync"
    fastapi_apps = [{"app": LazyASGIApp(_create_app), "url_prefix": URL_PREFIX,
                     "name": "partner_sync service API and pages"}]
    external_views = [
        _view("Sync jobs", "/jobs", "partner-sync-jobs"),
        _view("Data quality", "/quality", "partner-sync-quality"),
        _view("Match review", "/review", "partner-sync-review"),
        _view("Search", "/search", "partner-sync-search"),
        _view("Service API", "/api/v1/docs", "partner-sync-api"),
        _view("Sync job", "/runs/{DAG_ID}/{RUN_ID}", "partner-sync-run", destination="dag_run"),
    ]
