"""Airflow's public REST API (v2), called as the user who asked: their JWT goes along, Airflow decides.

The plugin runs inside the api-server, so the API is this very server: ``PARTNER_SYNC_AIRFLOW_API_URL``
when set (read once, at app creation), else ``http://<[api] host>:<[api] port><[api] base_url path>``
with a wildcard host read as 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote, urlsplit


class AirflowApiError(RuntimeError):
    """A REST call failed; ``status`` is Airflow's HTTP status (0: not reachable), ``detail`` its message."""

    def __init__(self, status: int, detail: str):
        super().__init__(f"Airflow REST API: HTTP {status}: {detail}")
        self.status, self.detail = status, detail


def default_base_url() -> str:
    """This api-server's own address (see the module docstring)."""
    configured = os.environ.get("PARTNER_SYNC_AIRFLOW_API_URL")
    if configured:
        return configured.rstrip("/")
    from airflow.configuration import conf

    host = conf.get("api", "host", fallback="127.0.0.1") or "127.0.0.1"
    if host in ("0.0.0.0", "::", "", "localhost"):
        host = "127.0.0.1"
    port = conf.getint("api", "port", fallback=8080)
    scheme = "https" if conf.get("api", "ssl_cert", fallback="") else "http"
    path = urlsplit(conf.get("api", "base_url", fallback="") or "").path.rstrip("/")
    return f"{scheme}://{host}:{port}{path}"


@dataclass
class AirflowApi:
    base_url: str
    timeout: float = 20.0

    def _call(self, token: str | None, method: str, path: str, body: dict | None = None) -> dict:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        req = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            text = exc.read().decode(errors="replace")
            try:
                detail = json.loads(text).get("detail", text)
            except ValueError:
                detail = text
            raise AirflowApiError(exc.code, str(detail)[:500]) from None
        except (urllib.error.URLError, OSError) as exc:
            raise AirflowApiError(0, f"not reachable at {self.base_url}: {getattr(exc, 'reason', exc)}") from None
        return json.loads(raw) if raw else {}

    def dag(self, token: str | None, dag_id: str) -> dict:
        return self._call(token, "GET", f"/api/v2/dags/{quote(dag_id, safe='')}")

    def trigger(self, token: str | None, dag_id: str, run_id: str, conf: dict) -> dict:
        """POST /api/v2/dags/{dag_id}/dagRuns: a manual run now (no logical date), with ``conf`` as params."""
        return self._call(token, "POST", f"/api/v2/dags/{quote(dag_id, safe='')}/dagRuns",
                          {"dag_run_id": run_id, "logical_date": None, "conf": conf})

    def dag_run(self, token: str | None, dag_id: str, run_id: str) -> dict:
        return self._call(token, "GET", f"/api/v2/dags/{quote(dag_id, safe='')}/dagRuns/{quote(run_id, safe='')}")
