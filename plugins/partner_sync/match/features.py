"""Pair features for Odoo <-> ACE matching: exact ids, names, domains, accounts, dates, amounts, lifecycle.

Each function handles one real-world form of messiness (ids as ``ODOO-1234`` or ``crm.lead,1234``; legal
forms and native scripts in names; country TLDs and subdomains; 11-digit AWS accounts, payer accounts;
TCV vs annual vs monthly amounts). ``pair_features`` turns one candidate pair into the model's inputs and a
human-readable evidence dict.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from datetime import date, datetime
from typing import Any, Iterable

from anyascii import anyascii
from rapidfuzz import fuzz

from partner_sync.match.japanese import JAPANESE_LEGAL, reads_as_japanese, romanize

# Legal forms written in native scripts: removed before transliteration (Japanese ones: japanese.py).
NATIVE_LEGAL = JAPANESE_LEGAL + (
    "주식회사", "(주)", "㈜", "유한회사", "股份有限公司", "有限公司", "集团", "集團", "公司",
    "ห้างหุ้นส่วนจำกัด", "บริษัท", "จำกัด", "(มหาชน)", "มหาชน",  # Thai: company, limited, public
    "ذات المسؤولية المحدودة", "ش.م.م", "ذ.م.م", "ش.م.ع", "ش.م.ب", "شركة", "مؤسسة", "المحدودة",  # Arabic
    "ООО", "ОАО", "ЗАО", "ПАО")  # Russian: LLC, (public) joint-stock company
LEGAL_TOKENS = {
    "inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "corp", "corporation", "co", "company", "plc",
    "gmbh", "mbh", "ag", "kg", "kgaa", "ug", "ev", "se", "sa", "sas", "sasu", "sarl", "srl", "spa", "sl", "slu",
    "bv", "nv", "vof", "pty", "pte", "kk", "yk", "gk", "kabushiki", "kaisha", "ltda", "eireli", "me", "cv", "sab",
    "de", "rl", "oy", "oyj", "ab", "as", "asa", "aps", "sro", "zrt", "kft", "bhd", "sdn", "pvt", "private",
    "holding", "holdings", "group", "grupo", "gruppe", "groupe", "the", "jusikhoesa", "jsc", "pjsc", "ooo", "zao",
    "sp", "zoo", "spolka", "lda", "sc", "scs", "snc", "sca", "cia", "y", "e", "et", "und", "and",
    "oao", "pao", "horudeingusu", "horudingusu", "gurupu"}  # ホールディングス, グループ read in Hepburn
STOP = {"and", "of", "the", "de", "la", "le", "du", "der", "die", "das", "y", "e", "et", "und", "&"}
SECOND_LEVEL = {"co", "com", "net", "org", "gov", "ac", "edu", "ne", "or", "go", "gob", "ltd", "plc", "nic"}
FREE_MAIL = {"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com",
             "ymail.com", "aol.com", "icloud.com", "me.com", "mac.com", "proton.me", "protonmail.com", "gmx.de",
             "gmx.net", "web.de", "t-online.de", "orange.fr", "free.fr", "laposte.net", "mail.ru", "yandex.ru",
             "qq.com", "163.com", "126.com", "naver.com", "zoho.com", "hey.com", "fastmail.com", "uol.com.br",
             "bol.com.br", "libero.it", "seznam.cz", "example.com", "yahoo.co.jp", "yahoo.co.uk", "yahoo.fr",
             "hotmail.co.uk", "hotmail.fr", "linkedin.com", "facebook.com", "google.com", "test.com", "none.com",
             "na.com", "aws.amazon.com", "amazon.com"}
_CRM_ID = re.compile(r"^\s*(?:(?:odoo|crm[._ ]?lead|lead|opp(?:ortunity)?|crm|id)\s*[-_:#,(/. ]*\s*)?#?\s*0*(\d{1,12})"
                     r"\s*,?\s*\)?\s*$", re.I)
_ACE_ID = re.compile(r"^\s*(O\d{5,12})\s*$", re.I)


# -- exact ids -------------------------------------------------------------------------------------------
def parse_crm_id(value: str | None) -> str | None:
    """The Odoo lead id in ACE's partner_crm_unique_identifier: '1234', 'ODOO-1234', 'crm.lead,1234', '#1234'."""
    if not value:
        return None
    m = _CRM_ID.match(str(value))
    return m.group(1) if m else None


def parse_ace_id(value: str | None) -> str | None:
    """An ACE opportunity id as kept in an Odoo custom field ('O1234567', any case, spaces)."""
    if not value:
        return None
    m = _ACE_ID.match(str(value))
    return m.group(1).upper() if m else None


# -- names -----------------------------------------------------------------------------------------------
def normalize_name(value: str | None, country: Any = None) -> str:
    """Casefolded ASCII tokens without legal forms: 'Müller GmbH & Co. KG' -> 'muller', 'ACME K.K.' -> 'acme',
    '三菱商事株式会社' -> 'mitsubishi shoji' (Japanese read as Japanese: kana, 株式会社, or kanji in Japan)."""
    if not value:
        return ""
    s = str(value)
    japanese = reads_as_japanese(s, country)
    for form in NATIVE_LEGAL:
        s = s.replace(form, " ")
    s = (romanize(s) if japanese else anyascii(s)).lower()
    s = s.replace("ae", "a").replace("oe", "o").replace("ue", "u").replace("ss", "s")  # ü->ue, ß->ss
    s = re.sub(r"(?<![a-z0-9])([a-z])\.", r"\1", s)  # s.a. -> sa, k.k. -> kk
    s = re.sub(r"[^a-z0-9]+", " ", s)
    tokens = s.split()
    while len(tokens) > 1 and tokens[-1] in LEGAL_TOKENS:
        tokens.pop()
    while len(tokens) > 1 and tokens[0] in ("the",):
        tokens.pop(0)
    return " ".join(tokens)


def acronym(name: str) -> str:
    """Initials of a normalized multi-word name: 'international freight solutions' -> 'ifs'."""
    return "".join(t[0] for t in name.split() if t not in STOP)


@lru_cache(maxsize=262_144)  # siblings repeat the same two names many times
def name_similarity(a: str, b: str) -> tuple[float, bool]:
    """(similarity 0..1, acronym match) of two normalized names; acronyms count as a match."""
    if not a or not b:
        return 0.0, False
    if a == b:
        return 1.0, False
    is_acronym = False
    sa, sb = a.replace(" ", ""), b.replace(" ", "")
    for short, long in ((a, b), (b, a)):
        if " " not in short and len(short) >= 2 and len(long.split()) >= 2 and acronym(long) == short:
            is_acronym = True
    score = max(fuzz.token_set_ratio(a, b), fuzz.ratio(sa, sb), fuzz.token_sort_ratio(a, b),
                fuzz.ratio(sa.replace("l", "r"), sb.replace("l", "r"))) / 100.0  # hangul/kana: r and l are one sound
    return (1.0 if is_acronym else score), is_acronym


# -- domains ---------------------------------------------------------------------------------------------
def domain_of(value: str | None) -> str | None:
    """Host of a URL or e-mail, lowercase, without www.; None for junk and free-mail/social hosts."""
    if not value:
        return None
    s = str(value).strip().lower()
    s = re.sub(r"^[a-z][a-z0-9+.-]*://", "", s)
    s = re.sub(r"[/?#\\].*$", "", s)
    s = re.sub(r"^.*@", "", s)
    s = re.sub(r":\d*$", "", s).strip(".")
    s = re.sub(r"^www\d*\.", "", s)
    if not re.fullmatch(r"([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]", s):
        return None
    if s in FREE_MAIL or registered(s) in FREE_MAIL:
        return None
    return s


def registered(domain: str) -> str:
    """The registrable domain: acme.co.uk for eu.shop.acme.co.uk, acme.de for mail.acme.de."""
    labels = domain.split(".")
    if len(labels) >= 3 and labels[-2] in SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def label(domain: str) -> str:
    """The name part of the registrable domain: acme for acme.co.uk and acme.de."""
    return registered(domain).split(".")[0]


DOMAIN_LEVELS = ("same", "subdomain", "other_tld", "different", "missing")


@lru_cache(maxsize=262_144)
def domain_relation(left: frozenset[str], right: frozenset[str]) -> str:
    """How the two sides' domain sets relate, strongest first."""
    left, right = {d for d in left if d}, {d for d in right if d}
    if not left or not right:
        return "missing"
    if left & right:
        return "same"
    if {registered(d) for d in left} & {registered(d) for d in right}:
        return "subdomain"
    if {label(d) for d in left} & {label(d) for d in right}:
        return "other_tld"
    return "different"


# -- AWS accounts ----------------------------------------------------------------------------------------
def normalize_account(value: str | None) -> str | None:
    """12 digits; dashes/spaces dropped; an 11-digit id lost its leading zero (spreadsheets) and gets it back."""
    if not value:
        return None
    digits = re.sub(r"[\s-]", "", str(value))
    if re.fullmatch(r"\d{11}", digits):
        digits = "0" + digits
    return digits if re.fullmatch(r"\d{12}", digits) else None


ACCOUNT_LEVELS = ("same", "payer", "different", "one_side", "missing")


def account_relation(odoo_account: str | None, odoo_payer: str | None, ace_account: str | None) -> str:
    if odoo_account and ace_account and odoo_account == ace_account:
        return "same"
    if odoo_payer and ace_account and odoo_payer == ace_account:
        return "payer"
    if odoo_account and ace_account:
        return "different"
    if odoo_account or ace_account:
        return "one_side"
    return "missing"


# -- dates, amounts ----------------------------------------------------------------------------------------
def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def days_apart(a: Any, b: Any) -> int | None:
    a, b = _as_date(a), _as_date(b)
    return None if a is None or b is None else abs((a - b).days)


AMOUNT_UNITS = (("monthly", 1.0), ("annual", 12.0), ("two_year", 24.0), ("tcv_3y", 36.0))


def amount_deviation(odoo_amount: float | None, ace_monthly: float | None) -> tuple[float | None, str | None]:
    """Smallest |ln ratio| between Odoo's amount and ACE's monthly revenue read as MRR, ARR, 2y or 3y TCV."""
    if not odoo_amount or not ace_monthly or odoo_amount <= 0 or ace_monthly <= 0:
        return None, None
    best = min(((abs(math.log(float(odoo_amount) / (float(ace_monthly) * k))), unit) for unit, k in AMOUNT_UNITS))
    return best


# -- lifecycle --------------------------------------------------------------------------------------------
def ace_lifecycle(status: str | None, acceptance: str | None, company: str | None) -> tuple[bool, bool]:
    """(rejected or duplicate submission, pending referral with masked customer fields)."""
    rejected = (status or "").strip().lower() in ("rejected", "duplicate")
    masked = (company or "").strip().lower() == "accept to view" or (acceptance or "").strip().lower() == "pending"
    return rejected, masked


# -- one pair ----------------------------------------------------------------------------------------------
def pair_features(o: dict[str, Any], a: dict[str, Any], cos_identity: float | None,
                  cos_project: float | None) -> dict[str, Any]:
    """The raw signals of one candidate pair (the model's inputs are derived from these)."""
    name_sim, acronym = name_similarity(o["name_norm"], a["name_norm"])
    close = days_apart(o.get("close_date"), a.get("close_date"))
    created = days_apart(o.get("created"), a.get("created"))
    amount_dev, amount_unit = amount_deviation(o.get("amount"), a.get("amount"))
    rejected, masked = ace_lifecycle(a.get("status"), a.get("acceptance"), a.get("company"))
    crm = a.get("crm_id")
    ref = o.get("ace_ref")
    id_match = (crm is not None and crm == o["id"]) or (ref is not None and ref == a["id"])
    id_conflict = not id_match and ((crm is not None and crm != o["id"] and crm in o.get("_known_odoo", ()))
                                    or (ref is not None and ref != a["id"]))
    return {
        "cosine_identity": round(float(cos_identity), 4) if cos_identity is not None else None,
        "cosine_project": round(float(cos_project), 4) if cos_project is not None else None,
        "exact_id": id_match, "id_points_elsewhere": id_conflict,
        "name_similarity": round(name_sim, 3), "name_acronym": acronym,
        "domain": domain_relation(frozenset(o["domains"]), frozenset(a["domains"])),
        "account": account_relation(o.get("account"), o.get("payer"), a.get("account")),
        "close_days_apart": close, "created_days_apart": created,
        "amount_log_ratio": None if amount_dev is None else round(amount_dev, 3), "amount_read_as": amount_unit,
        "ace_status": a.get("status"), "ace_rejected": rejected, "ace_masked": masked,
    }


def disagreements(f: dict[str, Any]) -> list[str]:
    """Signals that contradict a candidate the exact id or the score points at (shown to reviewers)."""
    out = []
    if f["name_similarity"] < 0.6 and not f["ace_masked"]:
        out.append(f"company names differ (similarity {f['name_similarity']:.2f})")
    if f["domain"] == "different":
        out.append("domains differ")
    if f["account"] == "different":
        out.append("AWS accounts differ")
    if f["close_days_apart"] is not None and f["close_days_apart"] > 180:
        out.append(f"close dates {f['close_days_apart']} days apart")
    if f["amount_log_ratio"] is not None and f["amount_log_ratio"] > 1.5:
        out.append("amounts inconsistent in every unit")
    if f["id_points_elsewhere"]:
        out.append("an exact id names another opportunity")
    if f["ace_rejected"]:
        out.append(f"ACE status {f['ace_status']}")
    return out
