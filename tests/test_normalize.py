"""The normalisers every transform uses, on the nasty inputs real Odoo and ACE data holds."""

import psycopg
import pytest

from partner_sync.config import load_settings
from partner_sync.migrations import migrate, migration_params

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def conn(pg_admin_url):
    import uuid

    name = f"norm_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = pg_admin_url.rsplit("/", 1)[0] + "/" + name
    settings = load_settings({"PARTNER_SYNC_EMBEDDING_DIM": "8"}, dotenv=False)
    migrate(url, settings.sql_dir, migration_params(settings))
    with psycopg.connect(url, autocommit=True) as c:
        yield c
    with psycopg.connect(pg_admin_url, autocommit=True) as c:
        c.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


DOMAINS = [
    (("https://www.acme.com/", None), "acme.com"),
    (("acme.com", None), "acme.com"),
    (("http://ACME.com:8080/path?q=1#x", None), "acme.com"),
    (("WWW.Acme.COM.", None), "acme.com"),
    (("  https://www2.acme.co.uk/about  ", None), "acme.co.uk"),
    (("ftp://files.acme.com", None), "files.acme.com"),
    (("https://user:pw@acme.io/", None), "acme.io"),
    (("mailto:sales@acme.de", None), "acme.de"),
    (("https://xn--mller-kva.de/", None), "xn--mller-kva.de"),
    (("https://müller.de", None), "müller.de"),
    (("acme", None), None),
    (("http://192.168.0.1/", None), None),
    (("n/a", None), None),
    (("", None), None),
    ((None, "Jane.Doe@Acme.com"), "acme.com"),
    ((None, "jane@gmail.com"), None),
    (("https://gmail.com", "ceo@startup.io"), "startup.io"),
    (("not a site", "Bob@Sub.Example.ORG"), "sub.example.org"),
    (("https://www.acme.com", "x@other.com"), "acme.com"),
    ((None, "broken-address"), None),
    ((None, "bob@outlook.com"), None),
    (("https://www.example.com", None), None),
]


@pytest.mark.parametrize("args,expected", DOMAINS, ids=[str(a) for a, _ in DOMAINS])
def test_normalize_domain(conn, args, expected):
    assert conn.execute("SELECT core.normalize_domain(%s, %s)", args).fetchone()[0] == expected


COMPANIES = [
    ("Acme Inc.", "acme"), ("ACME, Inc", "acme"), ("Acme Incorporated", "acme"), ("Acme LLC", "acme"),
    ("Acme L.L.C.", "acme"), ("Acme Ltd", "acme"), ("Acme Limited", "acme"), ("Müller GmbH", "muller"),
    ("Société Générale S.A.", "societe generale"), ("Dupont S.A.S.", "dupont"), ("Koala Pty Ltd", "koala"),
    ("Tulip B.V.", "tulip"), ("Sakura K.K.", "sakura"), ("Ørsted A/S", "orsted"), ("Siemens AG", "siemens"),
    ("São Paulo Tecnologia Ltda", "sao paulo tecnologia"), ("Fiat S.p.A.", "fiat"),
    ("  The   Acme   Company  ", "acme"), ("Johnson & Johnson", "johnson and johnson"),
    ("J.P. Morgan Chase & Co.", "jp morgan chase and"), ("Amazon.com, Inc.", "amazon com"),
    ("東京テック株式会社", "東京テック"), ("株式会社 Sony", "sony"), ("Acme Holdings Ltd.", "acme"),
    ("Nokia Oyj", "nokia"), ("Volvo AB", "volvo"), ("Acme Co., Ltd.", "acme"), ("", None), (None, None),
    ("Inc.", "inc"), ("ÉLAN Électronique", "elan electronique"), ("Zürich Versicherungs-Gesellschaft AG",
                                                                   "zurich versicherungs gesellschaft"),
]


@pytest.mark.parametrize("name,expected", COMPANIES, ids=[str(n) for n, _ in COMPANIES])
def test_normalize_company_name(conn, name, expected):
    assert conn.execute("SELECT core.normalize_company_name(%s)", (name,)).fetchone()[0] == expected


ACCOUNTS = [
    ("012345678901", "012345678901"), (" 012345678901 ", "012345678901"), ("0123-4567-8901", "012345678901"),
    ("0123 4567 8901", "012345678901"), ("12345678901", "012345678901"),  # 009: lost leading zero ("1234567890123", None), ("my-alias", None),
    ("01234567890a", None), ("", None), (None, None),
]


@pytest.mark.parametrize("value,expected", ACCOUNTS, ids=[str(v) for v, _ in ACCOUNTS])
def test_normalize_aws_account_id(conn, value, expected):
    assert conn.execute("SELECT core.normalize_aws_account_id(%s)", (value,)).fetchone()[0] == expected


TRANSLATIONS = [
    ('{"en_US": "Won", "fr_FR": "Gagné"}', "fr_FR", "Gagné"), ('{"en_US": "Won", "fr_FR": "Gagné"}', "de_DE", "Won"),
    ('{"fr_FR": "Gagné"}', "en_US", "Gagné"), ('{"en_US": "", "fr_FR": "Gagné"}', "en_US", "Gagné"),
    ('"Plain"', "en_US", "Plain"), ("{}", "en_US", None), (None, "en_US", None),
]


@pytest.mark.parametrize("value,lang,expected", TRANSLATIONS)
def test_translated(conn, value, lang, expected):
    assert conn.execute("SELECT core.translated(%s::jsonb, %s)", (value, lang)).fetchone()[0] == expected
