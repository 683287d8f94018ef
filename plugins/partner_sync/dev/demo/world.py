"""The demo's real world: customers, their AWS accounts and their opportunities, as pure functions of (seed, index).

Both demo databases are renderings of these facts: Odoo rows (odoo_*_rows.py) and ACE rows
(apn_rows.py) re-derive a lead, company or account from its index instead of looking it up, so no
table is ever held in memory and any scale streams in constant space. The twin decisions (which
Odoo opportunity has an ACE twin, and which matching signals survive) are made here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property, lru_cache
from random import Random
from typing import Iterator

from partner_sync.dev.demo import names
from partner_sync.dev.demo.determinism import ANCHOR, AffinePermutation, before_anchor, rng, scrambled
from partner_sync.dev.demo.geo import WEIGHTED_COUNTRIES, Country
from partner_sync.dev.demo.themes import THEMES, Theme

# res_partner ids 1..8 are fixed: Odoo's own 6 plus the two AWS vendor entities.
PARTNER_COMPANY, PARTNER_ODOOBOT, PARTNER_ADMIN, PARTNER_PUBLIC, PARTNER_DEFAULT_TMPL, PARTNER_PORTAL_TMPL = 1, 2, 3, 4, 5, 6
PARTNER_AWS_INC, PARTNER_AWS_EMEA = 7, 8
FIXED_PARTNERS = 8
SYSTEM_USERS = 5  # __system__ (1), admin (2), default (3), public (4), portaltemplate (5)
OUR_DOMAIN = "stratocloud.eu"  # the AWS partner that owns the Odoo database
ORIGINATIONS = ("Partner Referral", "AWS Referral", "Marketplace", "Inbound Website", "Event")
_ORIGINATION_WEIGHTS = (55, 25, 7, 8, 5)
_SLOT2 = ("contact", "invoice", "delivery", "orphan", "other")
_SLOT2_WEIGHTS = (55, 20, 12, 8, 5)


@dataclass(frozen=True)
class Plan:
    """Row counts and id layout for one (seed, scale); every count is derived, nothing is stored per row."""

    seed: int
    scale: int

    @cached_property
    def n_leads(self) -> int:
        return self.scale

    @cached_property
    def n_sales(self) -> int:
        return max(6, min(250, self.scale // 120))

    @cached_property
    def n_companies(self) -> int:
        return max(12, self.n_leads // 2)

    @cached_property
    def n_accounts(self) -> int:  # customer AWS accounts (c_aws_accounts adds the partner's SPP payers in front)
        return max(self.n_companies, int(self.n_leads * 0.8))

    @cached_property
    def n_spp_payers(self) -> int:
        return max(2, min(20, self.scale // 400))

    @cached_property
    def n_orders(self) -> int:
        return max(5, self.scale // 2)

    @cached_property
    def n_moves(self) -> int:
        return max(5, self.scale // 2)

    @cached_property
    def n_projects(self) -> int:
        return max(3, self.scale // 10)

    @cached_property
    def n_big_leads(self) -> int:  # leads spread over 'big' customers, five opportunities each
        return (self.n_leads // 5) // 5 * 5

    # -- id layout ---------------------------------------------------------------------------------
    def sales_partner_id(self, k: int) -> int:
        return FIXED_PARTNERS + 1 + k

    def sales_user_id(self, k: int) -> int:
        return SYSTEM_USERS + 1 + k

    @property
    def first_customer_partner(self) -> int:
        return FIXED_PARTNERS + self.n_sales + 1

    def company_partner_id(self, c: int) -> int:
        return self.first_customer_partner + 3 * c


    def account_row_id(self, a: int) -> int:
        return self.n_spp_payers + 1 + a

    def accounts_of(self, c: int) -> range:
        a, n, m = self.n_accounts, self.n_companies, c
        return range((m * a + n - 1) // n, ((m + 1) * a + n - 1) // n)

    def company_of_account(self, a: int) -> int:
        return a * self.n_companies // self.n_accounts

    @cached_property
    def lead_perm(self) -> AffinePermutation:
        return AffinePermutation(self.n_leads, self.seed, "lead->company")

    def lead_company(self, i: int) -> tuple[int, int]:
        """(company index, ordinal of this lead within the company): big customers get 5 leads, others 2."""
        j = self.lead_perm(i)
        big = self.n_big_leads
        if j < big:
            return j // 5, j % 5
        return big // 5 + (j - big) // 2, (j - big) % 2


# -- organisations and partner rows -----------------------------------------------------------------
@dataclass(frozen=True)
class Org:
    """A real-world customer organisation (one or more res_partner companies may describe it)."""

    o: int
    country: Country
    name: names.CompanyName
    domain: str
    city: str
    state_code: str | None
    zip: str
    street: str
    vat: str | None
    duns: str
    segment: str
    aws_am: tuple[str, str]  # the AWS account manager who covers this customer
    theme_base: int
    self_paying: bool  # pays AWS itself (own payer account) instead of through the partner's SPP payer


@lru_cache(maxsize=8192)
def org(seed: int, o: int) -> Org:
    r = rng(seed, "org", o)
    country = r.choice(WEIGHTED_COUNTRIES)
    name = names.company_name(r, country)
    city, state, zip_ = r.choice(country.cities)
    street = f"{r.randrange(1, 250)} {r.choice(('Main Street', 'Hauptstraße', 'rue de la Paix', 'Avenue Louise', 'Via Roma', 'Kingsway', 'Calle Mayor', 'Industrieweg', 'Rua Augusta', 'Market St'))}"
    vat = None if r.random() < 0.3 else f"{country.code}{r.randrange(10**8, 10**9)}"
    duns = f"{r.randrange(10**9):09d}"
    segment = r.choices(("ENT", "MM", "SMB", "ISV", "Public Sector"), (25, 25, 30, 12, 8))[0]
    first, last = names.person(r, r.choice(("US", "GB", "DE", "FR", "ES", "NL")))
    return Org(o, country, name, names.domain_for(r, name, country), city, state, zip_, street, vat, duns, segment,
               (first, last), r.randrange(len(THEMES)), r.random() < 0.35)


@dataclass(frozen=True)
class Company:
    """One res_partner company row (index c); a duplicate row describes an earlier company's org again."""

    c: int
    org: Org
    duplicate_of: int | None
    name: str  # as stored in res_partner.name
    slot2: str  # what the block's third partner row is: contact/invoice/delivery/orphan/other
    active: bool


@lru_cache(maxsize=8192)
def company(plan: Plan, c: int) -> Company:
    r = rng(plan.seed, "company", c)
    dup = None
    if c >= 8 and r.random() < 0.05:
        dup = c - 1 - r.randrange(min(c - 1, 60))
        base = company(plan, dup)
        the_org = base.org
        mode = r.choice(("case", "suffix", "typo", "accent", "abbrev", "order"))
        name = names.company_variant(r, the_org.name, mode)
    else:
        the_org = org(plan.seed, c)
        name = the_org.name.full
    if r.random() < 0.03:
        name += " "  # trailing space, as typed
    slot2 = r.choices(_SLOT2, _SLOT2_WEIGHTS)[0]
    return Company(c, the_org, dup, name, slot2, active=r.random() > (0.25 if dup is not None else 0.02))


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    email: str | None
    phone: str | None
    function: str | None

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def contact(plan: Plan, c: int, slot: int) -> Person:
    """The person in slot 1/2 of company c (deterministic, so leads and ACE contacts agree)."""
    comp = company(plan, c)
    r = rng(plan.seed, f"contact{slot}", c)
    first, last = names.person(r, comp.org.country.code)
    mail = names.email(r, first, last, comp.org.domain, free_mail=0.12) if r.random() < 0.93 else None
    tel = names.phone(r, comp.org.country) if r.random() < 0.7 else None
    return Person(first, last, mail, tel, r.choice(names.JOB_TITLES) if r.random() < 0.8 else None)


@lru_cache(maxsize=16)
def _sales_names(seed: int) -> tuple[tuple[str, str], ...]:
    """All distinct (first, last) pairs the partner's staff can have, shuffled per seed (logins must be unique)."""
    pairs = [(f, l_) for lang in ("fr", "fr", "de", "en", "es", "it", "nl") for f in names.FIRST_LAST[lang][0]
             for l_ in names.FIRST_LAST[lang][1]]
    pairs = list(dict.fromkeys(pairs))
    rng(seed, "salespeople", 0).shuffle(pairs)
    return tuple(pairs)


def salesperson(plan: Plan, k: int) -> Person:
    first, last = _sales_names(plan.seed)[k]
    mail = f"{names.ascii_fold(first).lower()}.{names.ascii_fold(last).lower().replace(' ', '')}@{OUR_DOMAIN}"
    return Person(first, last, mail, None, "Account Executive")


def aws_person(first: str, last: str) -> tuple[str, str]:
    """(name, e-mail) of an AWS employee."""
    local = names.ascii_fold(first).lower()[0] + names.ascii_fold(last).lower().replace(" ", "").replace("'", "")
    return f"{first} {last}", f"{local[:8]}@amazon.com"


PSMS = (("Claire", "Dubois"), ("Markus", "Vogel"), ("Hannah", "Price"))


# -- AWS accounts ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Account:
    a: int  # customer account index (row id = plan.account_row_id(a))
    row_id: int
    number: str  # canonical 12-digit id, leading zeros kept
    stored: str  # as typed into Odoo (a few malformed)
    company: int
    env: str
    is_payer: bool
    payer_row_id: int | None
    is_billable: bool
    active: bool


_ACCOUNT_MULT = 389_176_153_621  # coprime with 10**12: a bijection, so account numbers never collide


def account_number(seed: int, x: int) -> str:
    return f"{scrambled(x, 10**12, _ACCOUNT_MULT, seed * 7_919_113 % 10**12):012d}"


def malformed(r: Random, number: str, alias: str) -> str:
    """How an account id gets mistyped in a CRM: zero dropped, dashes, spaces, or the alias instead."""
    roll = r.random()
    if roll < 0.35 and number.startswith("0"):
        return number[1:]
    if roll < 0.7:
        return f"{number[:4]}-{number[4:8]}-{number[8:]}"
    if roll < 0.85:
        return f"{number[:4]} {number[4:8]} {number[8:]}"
    return alias


def account(plan: Plan, a: int) -> Account:
    r = rng(plan.seed, "account", a)
    c = plan.company_of_account(a)
    span = plan.accounts_of(c)
    first = a == span.start
    env = "production" if first else r.choices(("production", "staging", "dev", "sandbox"), (35, 25, 25, 15))[0]
    number = account_number(plan.seed, a)
    comp = company(plan, c)
    stored = malformed(r, number, f"{comp.org.name.slug[:12]}-{env[:4]}") if r.random() < 0.05 else number
    if comp.org.self_paying:
        is_payer = first
        payer = None if first else plan.account_row_id(span.start)
        billable = r.random() < 0.15
    else:
        is_payer, payer, billable = False, 1 + c % plan.n_spp_payers, True
    return Account(a, plan.account_row_id(a), number, stored, c, env, is_payer, payer, billable,
                   active=r.random() > 0.04)


def spp_payer_number(plan: Plan, k: int) -> str:
    return account_number(plan.seed, plan.n_accounts + k)


# -- leads and their twins ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Twin:
    """Which matching signals survive on the ACE side of a twin pair."""

    account_mode: str  # same / reformat / payer / missing (on ACE)
    domain_mode: str  # same / email_only / other_tld / missing
    name_mode: str  # names.company_variant mode used for customerCompanyName
    title_with_company: bool
    crm_id: str | None  # partnerCrmUniqueIdentifier (the Odoo id, sometimes prefixed) or None
    same_contact: bool
    same_owner: bool
    am_known: bool  # AWS discloses the sales rep


@dataclass(frozen=True)
class Lead:
    i: int
    id: int
    c: int
    ordinal: int
    company: Company
    theme: Theme
    title: str
    type: str
    status: str  # open / won / lost
    stage_id: int
    team_id: int
    user_k: int | None
    partner_mode: str  # company / contact / none
    contact_slot: int
    create_date: datetime
    write_date: datetime
    date_deadline: date | None
    date_closed: datetime | None
    probability: float
    expected_revenue: float
    account: int | None  # customer account index or None
    origination: str
    am_on_lead: bool
    has_twin: bool
    twin: Twin | None
    funded: bool


def _theme_for(plan: Plan, comp: Company, ordinal: int) -> Theme:
    n = len(THEMES)
    return THEMES[(comp.org.theme_base + comp.c * 11 + ordinal * 7) % n]


def lead_title(r: Random, comp: Company, theme: Theme) -> str:
    short = comp.org.name.core
    phrase = r.choice(theme.odoo)
    shape = r.choices(range(6), (30, 25, 15, 12, 10, 8))[0]
    if shape == 0:
        return f"{short}: {phrase}"
    if shape == 1:
        return f"{phrase} - {short}"
    if shape == 2:
        return phrase
    if shape == 3:
        return f"{short} {phrase} Phase {r.randrange(2, 4)}"
    if shape == 4:
        return f"{comp.name.strip()} / {phrase}"
    return f"[{short.upper()}] {phrase.lower()}"


def lead(plan: Plan, i: int) -> Lead:
    """Lead ``i`` (crm_lead.id = i + 1) with everything both sources need to render it."""
    r = rng(plan.seed, "lead", i)
    c, ordinal = plan.lead_company(i)
    comp = company(plan, c)
    theme = _theme_for(plan, comp, ordinal)
    typ = "opportunity" if r.random() < 0.9 else "lead"
    roll = r.random()
    if typ == "lead":
        status = "lost" if roll < 0.15 else "open"
    else:
        status = "won" if roll < 0.25 else ("lost" if roll < 0.43 else "open")
    if status == "won":
        stage = 4
    elif typ == "lead":
        stage = 1
    else:
        stage = r.choices((1, 2, 3, 5, 6), (15, 25, 25, 20, 15))[0]
    country = comp.org.country.code
    if typ == "lead" and r.random() < 0.5:
        team = 2
    elif theme.recurring and r.random() < 0.6:
        team = 6
    elif country in ("DE", "AT", "CH"):
        team = 4
    elif country in ("FR", "BE", "LU", "MA"):
        team = 7
    else:
        team = r.choice((1, 1, 3, 5))
    user_k = None if r.random() < 0.05 else r.randrange(plan.n_sales)
    pm = r.choices(("company", "contact", "none"), (45, 35, 20))[0]
    slot = 1 if comp.slot2 != "contact" or r.random() < 0.6 else 2
    created = before_anchor(r, 900, 3)
    deadline = None if r.random() < 0.12 else (created + timedelta(days=r.randrange(20, 300))).date()
    closed = None
    if status in ("won", "lost"):
        closed = min(created + timedelta(days=r.randrange(5, 400), seconds=r.randrange(86400)), ANCHOR - timedelta(hours=1))
    last_touch = closed or created
    written = last_touch + timedelta(seconds=int(r.random() ** 2 * (ANCHOR - last_touch).total_seconds()))
    if status == "won":
        prob = 100.0
    elif status == "lost":
        prob = 0.0
    else:
        prob = round({1: 10, 2: 25, 3: 45, 5: 70, 6: 35}[stage] * r.uniform(0.6, 1.4), 2)
        prob = min(prob, 95.0)
    revenue = round(2.718281828 ** r.uniform(8.5, 13.5), -2)
    if typ == "lead" and r.random() < 0.6:
        revenue = 0.0
    span = plan.accounts_of(c)
    acct = None
    if r.random() < 0.78:
        acct = span.start if (len(span) == 1 or r.random() < 0.6) else r.randrange(span.start, span.stop)
    origination = r.choices(ORIGINATIONS, _ORIGINATION_WEIGHTS)[0]
    am_on_lead = r.random() < (0.92 if origination == "AWS Referral" else 0.55)
    has_twin = typ == "opportunity" and r.random() < 0.70
    funded = typ == "opportunity" and maybe_funded(plan, i)
    twin = _twin(plan, i, comp) if has_twin else None
    if twin is not None and twin.account_mode == "missing_odoo":
        acct = None
    return Lead(i, i + 1, c, ordinal, comp, theme, lead_title(r, comp, theme), typ, status, stage, team, user_k, pm, slot,
                created, written, deadline, closed, prob, revenue, acct, origination, am_on_lead, has_twin, twin, funded)


def maybe_funded(plan: Plan, i: int) -> bool:
    """Cheap pre-check (no lead needed): only these leads can carry a funding request (if opportunities)."""
    return rng(plan.seed, "funded", i).random() < 0.12


def _twin(plan: Plan, i: int, comp: Company) -> Twin:
    r = rng(plan.seed, "twin", i)
    account_mode = r.choices(("same", "reformat", "payer", "missing", "missing_odoo"), (50, 8, 6, 26, 10))[0]
    domain_mode = r.choices(("same", "email_only", "other_tld", "missing"), (62, 18, 8, 12))[0]
    name_modes = ("exact", "suffix", "abbrev", "case", "typo", "order", "region", "accent")
    name_mode = r.choices(name_modes, (20, 30, 12, 10, 10, 6, 5, 7))[0]
    weak_ids = account_mode in ("missing", "missing_odoo") and domain_mode == "missing"
    if weak_ids and name_mode not in ("exact", "suffix", "case"):
        name_mode = "suffix"  # never destroy every signal of one pair
    if name_mode == "accent" and names.ascii_fold(comp.org.name.full) == comp.org.name.full:
        name_mode = "suffix"
    crm_id = None
    if r.random() < 0.25:
        crm_id = r.choices((str(i + 1), f"ODOO-{i + 1}", f"odoo-{i + 1}", f"crm.lead_{i + 1}"), (55, 30, 10, 5))[0]
    return Twin(account_mode, domain_mode, name_mode, r.random() < 0.45, crm_id, r.random() < 0.6, r.random() < 0.8,
                r.random() < 0.7)




# -- the ACE side ------------------------------------------------------------------------------------
_ACE_MULT = 7_654_321  # coprime with 9,000,000: ACE ids 'O' + 7 digits, unique, not in creation order


@dataclass(frozen=True)
class Ace:
    """One ACE opportunity: the twin of an Odoo lead, or one that only AWS/ACE knows about."""

    key: int  # 2*i for the twin of lead i, 2*i + 1 for the extra opportunity drawn at lead i's turn
    id: str
    lead: Lead | None
    org: Org
    company: int | None  # Odoo company index when the customer exists in Odoo
    theme: Theme


def ace_id(plan: Plan, key: int) -> str:
    """'O' + 7 digits, derived from the key alone so Odoo rows can cite their twin's id without a lookup."""
    return "O" + str(1_000_000 + scrambled(key, 9_000_000, _ACE_MULT, plan.seed * 104_729 % 9_000_000))


def extra_ace(plan: Plan, i: int) -> Ace | None:
    """The ACE-only opportunity drawn at lead i's turn, if any (about 15% of all ACE opportunities).

    Half are for Odoo customers (a project Odoo never saw: same company, another theme, a distractor),
    half for customers Odoo does not know.
    """
    r = rng(plan.seed, "ace-extra", i)
    if r.random() >= 0.111:
        return None
    key = 2 * i + 1
    if r.random() < 0.5:
        c = r.randrange(plan.n_companies)
        comp = company(plan, c)
        return Ace(key, ace_id(plan, key), None, comp.org, c, _theme_for(plan, comp, 5 + r.randrange(3)))
    the_org = org(plan.seed, plan.n_companies + i)
    return Ace(key, ace_id(plan, key), None, the_org, None, THEMES[r.randrange(len(THEMES))])


def iter_ace(plan: Plan) -> Iterator[Ace]:
    """All ACE opportunities in a fixed order: each twin at its lead's turn, followed by that turn's extra."""
    for i in range(plan.n_leads):
        ld = lead(plan, i)
        if ld.has_twin:
            yield Ace(2 * i, ace_id(plan, 2 * i), ld, ld.company.org, ld.c, ld.theme)
        extra = extra_ace(plan, i)
        if extra is not None:
            yield extra
