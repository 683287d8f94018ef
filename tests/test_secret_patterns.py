"""Secret columns and keys are recognised whatever their case and word style (snake, camel, Pascal, prefixed)."""

from __future__ import annotations

import pytest

from partner_sync.insights.rows import MASK, scrub
from partner_sync.source_defs import secret_reason
from partner_sync.source_defs import parse_source

SECRET_NAMES = ["password", "PASSWORD", "x_passwd", "userPassword", "ApiKey", "api_key", "apikey", "X-Api-Key",
                "accessToken", "access_token", "signup_token", "private_key", "PrivateKey", "client_secret",
                "ClientSecret", "aws_credentials"]
PLAIN_NAMES = ["name", "expected_revenue", "partner_id", "key_account", "passage", "monkey", "description",
               "write_date", "x_studio_ace_opportunity_id"]


@pytest.fixture(scope="module")
def lead():
    """A source defined without secret_patterns: the defaults apply."""
    src = parse_source({"source": "odoo", "connection_id": "odoo_db",
                        "tables": {"lead": {"primary_key": ["id"], "include_columns": ["token_count"]}}})
    return src, src.tables["lead"]


@pytest.mark.parametrize("column", SECRET_NAMES)
def test_default_patterns_hide_secret_columns_in_any_case_and_word_style(lead, column):
    src, table = lead
    assert secret_reason(column, table, src.secret_patterns) is not None, column


@pytest.mark.parametrize("column", PLAIN_NAMES)
def test_default_patterns_leave_ordinary_columns_alone(lead, column):
    src, table = lead
    assert secret_reason(column, table, src.secret_patterns) is None, column


def test_include_columns_overrides_a_pattern(lead):
    src, table = lead
    assert secret_reason("token_count", table, src.secret_patterns) is None


@pytest.mark.parametrize("key", SECRET_NAMES)
def test_read_models_mask_the_same_keys(key):
    """The quarantine payloads shown in the UI are masked by the same patterns discovery uses."""
    assert scrub({key: "s3cr3t", "name": "Acme"}) == {key: MASK, "name": "Acme"}


@pytest.mark.parametrize("key", PLAIN_NAMES)
def test_read_models_show_ordinary_keys(key):
    assert scrub({key: "visible"}) == {key: "visible"}
