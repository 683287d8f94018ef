"""How an AWS connection for Partner Central is written (Airflow's aws connection: URI or JSON), and a boto3
client made from it with botocore's retries off (ours count against the request budget).

Shared by the Selling API reader and the Benefits API module, which neither import each other for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

REGION = "us-east-1"  # the Selling API's only endpoint


@dataclass(frozen=True)
class AwsConnection:
    """Optional explicit credentials; without them boto3's default chain applies (env, profile, role)."""

    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    profile_name: str | None = None
    region_name: str = REGION
    endpoint_url: str | None = None


def parse_aws_connection(value: str, conn_id: str = "aws_partner_central") -> AwsConnection:
    """Airflow's aws connection: ``aws://KEY_ID:SECRET@/?region_name=us-east-1&profile_name=...`` or JSON."""
    value = value.strip()
    if value.startswith("{"):
        data = json.loads(value)
        extra = data.get("extra") or {}
        if isinstance(extra, str):
            extra = json.loads(extra or "{}")
        key, secret = data.get("login"), data.get("password")
    else:
        parts = urlsplit(value)
        if parts.scheme != "aws":
            raise ValueError(f"{conn_id}: scheme must be aws://, got {parts.scheme or 'none'!r}")
        extra = dict(parse_qsl(parts.query))
        if "__extra__" in extra:
            extra.update(json.loads(extra.pop("__extra__")))
        key = unquote(parts.username) if parts.username else None
        secret = unquote(parts.password) if parts.password else None
    return AwsConnection(key or extra.get("aws_access_key_id"), secret or extra.get("aws_secret_access_key"),
                         extra.get("aws_session_token"), extra.get("profile_name"),
                         extra.get("region_name") or REGION, extra.get("endpoint_url"))


def service_client(service: str, conn: AwsConnection | None, timeout: float = 60.0) -> Any:
    """A Partner Central client of ``service`` with the connection's credentials and botocore retries off."""
    import boto3
    from botocore.config import Config

    conn = conn or AwsConnection()
    session = boto3.Session(aws_access_key_id=conn.access_key_id, aws_secret_access_key=conn.secret_access_key,
                            aws_session_token=conn.session_token, profile_name=conn.profile_name)
    return session.client(service, region_name=conn.region_name or REGION, endpoint_url=conn.endpoint_url,
                          config=Config(retries={"mode": "standard", "total_max_attempts": 1},
                                        connect_timeout=10, read_timeout=timeout,
                                        user_agent_extra="partner_sync"))
