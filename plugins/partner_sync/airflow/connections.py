"""Airflow connections -> the engine's ConnSpec (databases) and connection values (APIs).

Inside a task, a connection id (``warehouse_db``, ``odoo_db``, ``apn_db``) resolves through Airflow's
own mechanism first (secrets backends, ``AIRFLOW_CONN_*`` variables, the metadata database via the
Execution API); when Airflow does not know the id, the engine's own resolution applies
(``Settings.conn``: the ``AIRFLOW_CONN_*`` variable, else the embedded server's database).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Iterable

from partner_sync.config import ConnSpec, Settings, get_config, parse_connection

log = logging.getLogger(__name__)


def airflow_connection(conn_id: str) -> ConnSpec | None:
    """The Airflow connection ``conn_id``, through the postgres provider's PostgresHook, as a ConnSpec;
    None when Airflow has no such connection."""
    from airflow.providers.postgres.hooks.postgres import PostgresHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        conn = PostgresHook(postgres_conn_id=conn_id).connection
    except AirflowNotFoundException:
        return None
    # get_uri() renders conn_type "postgres" as postgres://login:password@host:port/schema?extras;
    # parse_connection keeps only the libpq parameters among the extras.
    return parse_connection(conn_id, conn.get_uri())


def airflow_connection_value(conn_id: str) -> str | None:
    """The Airflow connection ``conn_id`` rendered as a URI (an API connection: Odoo, Partner Central);
    None when Airflow has no such connection."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return BaseHook.get_connection(conn_id).get_uri()
    except AirflowNotFoundException:
        return None


def task_settings(settings: Settings, conn_ids: Iterable[str], api_conn_ids: Iterable[str] = ()) -> Settings:
    """``settings`` with every id of ``conn_ids`` that Airflow defines replaced by Airflow's connection.

    Ids Airflow does not know stay as they are, so ``settings.conn`` resolves them on demand exactly as
    outside Airflow (``AIRFLOW_CONN_*`` variable, else the embedded server) -- and only when a stage
    really needs that database. ``Database.from_settings`` and ``settings.conn`` inside the stages then
    see the same databases as the Airflow UI shows. ``api_conn_ids`` (an API source's connection) come from
    Airflow only when no ``AIRFLOW_CONN_*`` variable set them, which the readers then use as they are.
    """
    connections = dict(settings.connections)
    for conn_id in dict.fromkeys(conn_ids):
        spec = airflow_connection(conn_id)
        if spec is not None:
            log.info("connection %s from Airflow: %s", conn_id, spec.masked)
            connections[conn_id] = spec
    api_connections = dict(settings.api_connections)
    for conn_id in dict.fromkeys(api_conn_ids):
        value = api_connections.get(conn_id) or airflow_connection_value(conn_id)
        if value:
            api_connections[conn_id] = value
    return dataclasses.replace(settings, connections=connections, api_connections=api_connections)


def task_settings_for_warehouse() -> Settings:
    """Settings for a task that needs only the warehouse (matching, maintenance, failure callbacks)."""
    return task_settings(get_config(), ("warehouse_db",))
