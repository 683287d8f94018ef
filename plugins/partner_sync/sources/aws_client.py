"""A boto3 client for Partner Central made from an AWS connection (parsed in ``partner_sync.connection_forms``),
with botocore's retries off (ours count against the request budget).

Shared by the Selling API reader and the Benefits API module, which neither import each other for it.
"""

from __future__ import annotations

from typing import Any

from partner_sync.connection_forms import AWS_REGION as REGION
from partner_sync.connection_forms import AwsConnection, parse_aws_connection

__all__ = ["REGION", "AwsConnection", "parse_aws_connection", "service_client"]


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
