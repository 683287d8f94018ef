"""Airflow connections -> the engine's ConnSpec (databases) and connection fields (APIs).

Inside a task, a connection id (``warehouse_db``, ``odoo_db``, ``apn_db``) resolves through Airflow's
own mechanism first (secrets backends, ``AIRFLOW_CONN_*`` variables, the metadata database via the
Execution API); its fields (host, port, login, password, schema, extra) are read from Airflow's
``Connection`` object as they are, never rendered to a URI and parsed again. An id Airflow does not know
stays with the engine's own resolution (``Settings.conn``: the ``AIRFLOW_CONN_*`` variable read at start-up,
else a configuration error naming the id).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Iterable

from partner_sync.config import ConfigError, ConnSpec, Settings, get_config
from partner_sync.connection_forms import ConnectionFormError, ConnFields, postgres_spec

log = logging.getLogger(__name__)


def connection_fields(conn: Any) -> ConnFields:
    """An Airflow ``Connection`` object's fields, as they are."""
    return ConnFields(conn.conn_id, conn.conn_type, conn.host or None, int(conn.port) if conn.port else None,
                      conn.login or None, conn.password or None, conn.schema or None, dict(conn.extra_dejson))


def _airflow_get(conn_id: str) -> Any | None:
    """Airflow's Connection ``conn_id``; None when Airflow has none. A value Airflow itself cannot parse
    (a malformed URI in a secrets backend or variable) is a ConfigError that never repeats the value."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None
    except ValueError:  # Airflow's URI parser quotes the offending part (a password's tail, say): not repeated
        raise ConfigError([f"{conn_id}: Airflow cannot parse this connection: the connection URL is malformed; "
                           "percent-encode special characters in the user name and password "
                           "(/ as %2F, ? as %3F, # as %23, @ as %40, : as %3A)"]) from None


def airflow_connection(conn_id: str) -> ConnSpec | None:
    """The Airflow connection ``conn_id`` as a ConnSpec (libpq extras pass through except Airflow's own, as
    the postgres provider's PostgresHook does); None when Airflow has no such connection."""
    conn = _airflow_get(conn_id)
    if conn is None:
        return None
    try:
        return postgres_spec(connection_fields(conn))
    except ConnectionFormError as exc:
        raise ConfigError([f"Airflow connection {exc}"]) from None


def airflow_connection_value(conn_id: str) -> ConnFields | None:
    """The Airflow connection ``conn_id``'s fields (an API connection: Odoo, Partner Central), which the
    readers parse as they parse an ``AIRFLOW_CONN_*`` value; None when Airflow has no such connection."""
    conn = _airflow_get(conn_id)
    return None if conn is None else connection_fields(conn)


def task_settings(settings: Settings, conn_ids: Iterable[str], api_conn_ids: Iterable[str] = ()) -> Settings:
    """``settings`` with every id of ``conn_ids`` that Airflow defines replaced by Airflow's connection.

    Ids Airflow does not know stay as they are, so ``settings.conn`` resolves them on demand exactly as
    outside Airflow (``AIRFLOW_CONN_*`` variable, else a ConfigError naming the id) -- and only when a
    stage really needs that database. ``Database.from_settings`` and ``settings.conn`` inside the stages then
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
