"""Who is asking, and may they: Airflow's own auth manager, as the api-server's routes use it.

FastAPI plugin apps are not protected by Airflow automatically. Every route here depends on
``authenticated`` (Airflow's ``get_user``: the JWT from ``Authorization: Bearer`` or the UI's ``_token``
cookie, checked by the configured auth manager, revoked tokens included) and then asks the auth manager
about the DAG the data belongs to: a source's jobs and checks belong to ``<source>_sync``, search and
matches to ``search_refresh``. No token: 401; a token whose user may not see or change that DAG: 403.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, Iterable

from fastapi import Depends, HTTPException, Request, status

from airflow.api_fastapi.app import get_auth_manager
from airflow.api_fastapi.auth.managers.base_auth_manager import COOKIE_NAME_JWT_TOKEN
from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails
from airflow.api_fastapi.core_api.security import get_user

SEARCH_DAG = "search_refresh"
VERBS = {"GET": "read", "POST": "trigger runs of", "PUT": "change", "DELETE": "delete"}


@dataclass
class Caller:
    """The authenticated user and the token they came with (forwarded to Airflow's REST API, never shown)."""

    user: Any
    token: str | None
    via_cookie: bool

    @property
    def name(self) -> str:
        return self.user.get_name()

    def may(self, dag_id: str, method: str = "GET", entity: DagAccessEntity | None = None) -> bool:
        return get_auth_manager().is_authorized_dag(method=method, access_entity=entity,
                                                    details=DagDetails(id=dag_id), user=self.user)

    def require(self, dag_id: str, method: str = "GET", entity: DagAccessEntity | None = None) -> None:
        """403 naming the user and the DAG when the auth manager says no."""
        if not self.may(dag_id, method, entity):
            what = "trigger runs of" if entity is DagAccessEntity.RUN and method == "POST" else VERBS.get(method, method)
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"user {self.name!r} may not {what} DAG {dag_id!r} (Airflow auth manager)")

    def readable(self, dag_ids: Iterable[str]) -> set[str]:
        return get_auth_manager().filter_authorized_dag_ids(dag_ids=set(dag_ids), user=self.user, method="GET")

    def csrf(self, secret: str) -> str:
        """A form token bound to this session's JWT: a page's POST forms carry it back (cookie sessions)."""
        return hmac.new(secret.encode(), (self.token or "").encode(), hashlib.sha256).hexdigest()[:32]

    def check_csrf(self, secret: str, value: str | None) -> None:
        if self.via_cookie and not hmac.compare_digest(self.csrf(secret), value or ""):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "form token missing or stale: reload the page and retry")


async def authenticated(request: Request, user: Any = Depends(get_user)) -> Caller:
    """401 without a valid token (Airflow's get_user); the caller otherwise."""
    header = request.headers.get("authorization") or ""
    if header.lower().startswith("bearer "):
        return Caller(user, header[7:].strip(), via_cookie=False)
    return Caller(user, request.cookies.get(COOKIE_NAME_JWT_TOKEN), via_cookie=True)


def login_url(next_url: str) -> str:
    """Where the auth manager logs people in, coming back to ``next_url``."""
    return get_auth_manager().get_url_login(next_url=next_url)
