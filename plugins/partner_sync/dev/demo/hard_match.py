"""The hard matching benchmark: Odoo and ACE opportunities written the way real partner data looks.

Written from the messiness partners report, independently of the demo generator (``demo/seed.py``) and of
the matcher: customers with several sibling projects on both sides (MAP assess -> mobilize -> migrate waves,
data lake phases, PoC -> production, SAP migration -> run) plus one-sided projects; titles and descriptions
written separately by different people, ACE sometimes in the customer's language; company names with
legal forms, acronyms, parent groups, typos, stripped accents, native scripts; junk websites, country TLDs,
subdomains, free-mail; AWS accounts on one side, payer instead of linked, lost leading zeros; Rejected
duplicate submissions and masked pending referrals; dates and amounts in other units; exact ids in several
forms, some stale. Every twin pair carries the tags of the phenomena it has.

Rows go straight into ``core.odoo_opportunities`` / ``core.ace_opportunities`` (the matcher's input).
Training and evaluation use different seeds and disjoint customers (``split``).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

SPLITS = {"train": (1001, 0), "eval": (2002, 500_000), "test": (3003, 900_000)}  # seed, id offset

SYL = ["ka", "ri", "to", "na", "mi", "so", "ra", "ke", "ta", "no", "ma", "shi", "ko", "ha", "ru", "ni", "mo",
       "sa", "te", "yo", "ku", "ro", "ne", "hi", "do", "ga", "be", "lu", "vi", "ze"]
KATA = {"ka": "カ", "ri": "リ", "to": "ト", "na": "ナ", "mi": "ミ", "so": "ソ", "ra": "ラ", "ke": "ケ", "ta": "タ",
        "no": "ノ", "ma": "マ", "shi": "シ", "ko": "コ", "ha": "ハ", "ru": "ル", "ni": "ニ", "mo": "モ", "sa": "サ",
        "te": "テ", "yo": "ヨ", "ku": "ク", "ro": "ロ", "ne": "ネ", "hi": "ヒ", "do": "ド", "ga": "ガ", "be": "ベ",
        "lu": "ル", "vi": "ヴィ", "ze": "ゼ"}
HANGUL = {"ka": "카", "ri": "리", "to": "토", "na": "나", "mi": "미", "so": "소", "ra": "라", "ke": "케", "ta": "타",
          "no": "노", "ma": "마", "shi": "시", "ko": "코", "ha": "하", "ru": "루", "ni": "니", "mo": "모", "sa": "사",
          "te": "테", "yo": "요", "ku": "쿠", "ro": "로", "ne": "네", "hi": "히", "do": "도", "ga": "가", "be": "베",
          "lu": "루", "vi": "비", "ze": "제"}
KANJI = "山田川中本田村電気工業商事産業技研製作所化学建設物流食品薬品通信精機興業"
WORDS = ["Logistics", "Foods", "Energy", "Systems", "Retail", "Pharma", "Media", "Motors", "Finance", "Textiles",
         "Health", "Telecom", "Insurance", "Steel", "Travel", "Solutions", "Analytics", "Airlines", "Chemicals"]
COUNTRIES = {  # code: (legal forms, ccTLD, language, country name)
    "DE": (["GmbH", "AG", "GmbH & Co. KG"], "de", "de", "Germany"),
    "FR": (["SAS", "S.A.", "SARL"], "fr", "fr", "France"),
    "ES": (["S.L.", "S.A."], "es", "es", "Spain"),
    "MX": (["S.A. de C.V."], "com.mx", "es", "Mexico"),
    "BR": (["Ltda", "S.A."], "com.br", "pt", "Brazil"),
    "PT": (["Lda", "S.A."], "pt", "pt", "Portugal"),
    "IT": (["S.p.A.", "S.r.l."], "it", "it", "Italy"),
    "JP": (["K.K.", "Co., Ltd."], "co.jp", "ja", "Japan"),
    "KR": (["Co., Ltd.", "Corp."], "co.kr", "en", "South Korea"),
    "IN": (["Pvt Ltd", "Private Limited", "Ltd"], "in", "en", "India"),
    "AU": (["Pty Ltd"], "com.au", "en", "Australia"),
    "US": (["Inc.", "LLC", "Corp."], "com", "en", "United States"),
    "GB": (["Ltd", "PLC"], "co.uk", "en", "United Kingdom"),
}
# Programmes with sibling projects (Odoo shorthand, ACE wording per language, use case, products, MRR range)
PROGRAMMES = {
    "map": [("MAP Assess", "Migration readiness assessment (MAP Assess)", "Migration", "AWS Migration Hub", (500, 3000)),
            ("MAP Mobilize", "Landing zone and migration planning (MAP Mobilize)", "Migration", "AWS Control Tower",
             (2000, 8000)),
            ("Migrate W1", "Migrate first wave of 40 servers to Amazon EC2", "Migration", "Amazon EC2, AWS MGN",
             (8000, 30000)),
            ("Migrate W2", "Second migration wave: ERP and databases to AWS", "Migration", "Amazon RDS, AWS DMS",
             (10000, 40000))],
    "datalake": [("DL Ph1", "Data lake modernization on Amazon S3", "Analytics", "Amazon S3, AWS Glue", (3000, 12000)),
                 ("DL Ph2", "Data lake phase 2: streaming ingestion", "Analytics", "Amazon Kinesis, AWS Glue",
                  (4000, 15000)),
                 ("BI dashboards", "Self-service BI with Amazon QuickSight", "Business Intelligence",
                  "Amazon QuickSight, Amazon Redshift", (1000, 6000))],
    "genai": [("GenAI PoC", "Generative AI proof of concept for customer service", "Generative AI",
               "Amazon Bedrock", (500, 3000)),
              ("GenAI prod", "Generative AI assistant in production", "Generative AI",
               "Amazon Bedrock, Amazon OpenSearch", (5000, 20000))],
    "sap": [("SAP migration", "SAP S/4HANA migration to AWS", "SAP", "Amazon EC2 High Memory", (20000, 80000)),
            ("SAP run", "SAP managed operations on AWS", "SAP", "AWS Systems Manager", (5000, 20000))],
}
SINGLES = [("Contact centre", "Omnichannel contact centre on Amazon Connect", "Contact Center", "Amazon Connect"),
           ("EKS platform", "Container platform on Amazon EKS", "Containers", "Amazon EKS"),
           ("DR", "Disaster recovery to AWS with Elastic Disaster Recovery", "Storage & Backup", "AWS DRS"),
           ("Sec review", "Security posture review and Security Hub rollout", "Security", "AWS Security Hub"),
           ("FinOps", "Cloud cost optimisation programme", "Cost Optimization", "AWS Cost Explorer"),
           ("IoT pilot", "Connected factory IoT pilot", "IoT", "AWS IoT Core"),
           ("Web replatform", "E-commerce replatforming on serverless", "Web development", "AWS Lambda"),
           ("VDI", "Virtual desktops with Amazon WorkSpaces", "End User Computing", "Amazon WorkSpaces"),
           ("ML forecast", "Demand forecasting with Amazon SageMaker", "Machine Learning", "Amazon SageMaker")]
TRANSLATE = {  # ACE titles in the customer's language: word-level, as a local AM would write them
    "de": {"Data lake modernization on Amazon S3": "Modernisierung des Data Lake auf Amazon S3",
           "SAP S/4HANA migration to AWS": "Migration von SAP S/4HANA nach AWS",
           "Omnichannel contact centre on Amazon Connect": "Omnichannel-Kundenservice mit Amazon Connect",
           "Migrate first wave of 40 servers to Amazon EC2": "Migration der ersten Welle (40 Server) nach Amazon EC2"},
    "fr": {"Data lake modernization on Amazon S3": "Modernisation du data lake sur Amazon S3",
           "Generative AI proof of concept for customer service": "Preuve de concept IA générative pour le service client",
           "Disaster recovery to AWS with Elastic Disaster Recovery": "Plan de reprise d'activité sur AWS"},
    "es": {"Container platform on Amazon EKS": "Plataforma de contenedores en Amazon EKS",
           "SAP S/4HANA migration to AWS": "Migración de SAP S/4HANA a AWS",
           "Migration readiness assessment (MAP Assess)": "Evaluación de preparación para la migración (MAP)"},
    "pt": {"Data lake modernization on Amazon S3": "Modernização do data lake no Amazon S3",
           "E-commerce replatforming on serverless": "Replataforma de e-commerce serverless"},
    "it": {"Demand forecasting with Amazon SageMaker": "Previsione della domanda con Amazon SageMaker",
           "Connected factory IoT pilot": "Pilota IoT per la fabbrica connessa"},
    "ja": {"Data lake modernization on Amazon S3": "Amazon S3 によるデータレイク刷新",
           "SAP S/4HANA migration to AWS": "SAP S/4HANA の AWS 移行",
           "Omnichannel contact centre on Amazon Connect": "Amazon Connect によるコンタクトセンター構築",
           "Generative AI proof of concept for customer service": "顧客サービス向け生成AI PoC"},
}
PROCESS_NOTES = ["Call with CTO on Tuesday, send proposal.", "Lead from AWS AM. Waiting for budget approval.",
                 "Customer asked for a quote, see attached SOW draft.", "Follow-up after the summit booth visit.",
                 "Renewal of the managed services contract.", "Met at partner day; intro by the AWS PSM."]
SCOPES = ["fixed price, 6 weeks, two consultants.", "T&M, scope as in the SOW.", "workshop first, then build.",
          "customer wants a quote before the budget round.", "follow-on to the previous engagement."]
FREE = ["gmail.com", "outlook.com", "yahoo.com", "hotmail.com"]
JUNK_SITES = ["N/A", "-", "www.linkedin.com/company/{slug}", "tbd", "none", "http://"]


@dataclass
class Customer:
    key: int
    name: str  # trading name, romanised
    words: list[str]
    country: str
    legal: str
    domain: str
    native: str | None = None  # native-script form (JP/KR)
    accounts: list[str] = field(default_factory=list)
    payer: str = ""


@dataclass
class Benchmark:
    odoo: list[dict[str, Any]]
    ace: list[dict[str, Any]]
    truth: list[tuple[str, str, str]]  # odoo id, ace id, ';'-joined tags

    def write_truth(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["odoo_source_id", "ace_source_id", "tags"])
            w.writerows(self.truth)


def _account(r: random.Random) -> str:
    return ("0" if r.random() < 0.25 else str(r.randint(1, 9))) + "".join(str(r.randint(0, 9)) for _ in range(11))


def _customer(r: random.Random, key: int, country: str | None = None, name: str | None = None) -> Customer:
    country = country or r.choice(list(COUNTRIES))
    legal_forms, tld, _, _ = COUNTRIES[country]
    sylls = [r.choice(SYL) for _ in range(r.randint(2, 3))]
    base = name or "".join(sylls).capitalize()
    words = [base] + ([r.choice(WORDS)] if r.random() < 0.6 else [])
    native = None
    if country == "JP":
        native = ("".join(KATA[s] for s in sylls) if r.random() < 0.5 else "".join(r.sample(KANJI, 4))) + "株式会社"
    elif country == "KR":
        native = "주식회사 " + "".join(HANGUL[s] for s in sylls)
    slug = "".join(w.lower() for w in words[:2]) if r.random() < 0.5 else base.lower()
    domain = f"{slug}.{tld}" if r.random() < 0.7 else f"{slug}.com"
    c = Customer(key, " ".join(words), words, country, r.choice(legal_forms), domain, native)
    c.accounts = [_account(r) for _ in range(r.randint(1, 3))]
    c.payer = _account(r)
    return c


def _typo(r: random.Random, s: str) -> str:
    if len(s) < 5:
        return s
    i = r.randint(1, len(s) - 2)
    return s[:i] + s[i + 1] + s[i] + s[i + 2:] if r.random() < 0.5 else s[:i] + s[i + 1:]


def _ace_company(r: random.Random, c: Customer, tags: set[str]) -> str:
    roll = r.random()
    if c.native and roll < 0.45:
        tags.add("native_script")
        return c.native
    if roll < 0.55 and len(c.words) > 1:
        tags.add("acronym")
        return "".join(w[0] for w in c.words).upper() + (" " + c.legal if r.random() < 0.5 else "")
    if roll < 0.65:
        tags.add("parent_group")
        return f"{c.words[0]} Group"
    if roll < 0.75:
        tags.add("typo")
        return _typo(r, c.name)
    if roll < 0.85:
        tags.add("legal_form")
        return f"{c.name} {r.choice(COUNTRIES[c.country][0])}".upper() if r.random() < 0.5 else c.name
    return f"{c.name} {c.legal}"


def _odoo_company(r: random.Random, c: Customer) -> str:
    name = f"{c.name} {c.legal}" if r.random() < 0.6 else c.name
    if c.country == "DE" and r.random() < 0.3:
        name = name.replace("u", "ü", 1)  # the Odoo record keeps the umlaut, ACE got "u"/"ue"
    return name


def _ace_site(r: random.Random, c: Customer, tags: set[str]) -> tuple[str | None, str | None]:
    """(website, e-mail) as typed into ACE."""
    roll = r.random()
    email = f"{r.choice(['it', 'cto', 'j.doe', 'procurement'])}@{c.domain}"
    if roll < 0.2:
        tags.add("junk_website")
        return r.choice(JUNK_SITES).format(slug=c.words[0].lower()), email
    if roll < 0.35:
        tags.add("tld")
        base = c.domain.split(".")[0]
        other = "com" if not c.domain.endswith(".com") else COUNTRIES[c.country][1]
        return f"https://www.{base}.{other}", None
    if roll < 0.45:
        tags.add("subdomain")
        return f"https://{r.choice(['shop', 'corp', 'eu', 'group'])}.{c.domain}/", None
    if roll < 0.55:
        tags.add("free_mail")
        return None, f"{c.words[0].lower()}.{r.randint(1, 99)}@{r.choice(FREE)}"
    return f"https://www.{c.domain}", email if r.random() < 0.5 else None


def _odoo_title(r: random.Random, c: Customer, short: str, lid: int, year: int, tags: set[str]) -> str:
    roll = r.random()
    if roll < 0.3:
        return f"{c.words[0]} - {short}"
    if roll < 0.45:
        tags.add("opaque_title")
        return f"OPP-{year}-{lid % 10000:04d} {c.words[0][:3].upper()}"
    if roll < 0.55:
        tags.add("opaque_title")
        return r.choice(["Website form: contact request", f"Renewal {year + 1}", "New opportunity",
                         f"{c.words[0]} opportunity"])
    return short


def _format_crm(r: random.Random, lid: int) -> str:
    return r.choice([str(lid), f"ODOO-{lid}", f"crm.lead,{lid}", f"#{lid}", f"odoo:{lid}"])


def generate(split: str = "eval", customers: int = 150) -> Benchmark:
    """One split of the benchmark (same split and size -> same rows)."""
    seed, offset = SPLITS[split]
    r = random.Random(seed)
    odoo: list[dict] = []
    ace: list[dict] = []
    truth: list[tuple[str, str, str]] = []
    lid = offset + 1000
    aid = offset + 1_000_000
    custs = [_customer(r, k) for k in range(customers)]
    # lookalikes: the same trade name, unrelated firms in India and Brazil
    for c in list(custs[: max(1, customers // 15)]):
        custs.append(_customer(r, len(custs), country=r.choice(["IN", "BR"]), name=c.words[0]))
    for c in custs:
        lookalike = c.key >= customers
        projects: list[tuple[str, str, str, str, tuple[int, int]]] = []
        roll = r.random()
        if roll < 0.55:
            prog = r.choice(list(PROGRAMMES))
            steps = PROGRAMMES[prog][: r.randint(2, len(PROGRAMMES[prog]))]
            projects += steps
        for _ in range(r.randint(0 if projects else 1, 2)):
            s = r.choice(SINGLES)
            projects.append((s[0], s[1], s[2], s[3], (500, 15000)))
        start = date(2023, 1, 1) + timedelta(days=r.randint(0, 600))
        multi = len(projects) > 1
        for n, (short, long, use_case, products, mrr_range) in enumerate(projects):
            lid += r.randint(1, 7)
            aid += r.randint(1, 97)
            tags: set[str] = {"multi_project"} if multi else {"single_project"}
            if lookalike:
                tags.add("lookalike")
            created = datetime.combine(start + timedelta(days=n * r.randint(60, 200)), datetime.min.time())
            close = created.date() + timedelta(days=r.randint(30, 240))
            mrr = r.randint(*mrr_range)
            side = r.random()
            has_odoo, has_ace = side < 0.85, side < 0.75 or side >= 0.85
            o_row = a_row = None
            if has_odoo:
                desc_roll = r.random()
                desc = (None if desc_roll < 0.45 else r.choice(PROCESS_NOTES) if desc_roll < 0.7
                        else f"{short} for {c.words[0]}: {r.choice(SCOPES)}")
                if desc is None:
                    tags.add("no_description")
                unit = r.random()
                amount = (mrr * 36 * r.uniform(0.8, 1.2) if unit < 0.35 else mrr * 12 * r.uniform(0.85, 1.15)
                          if unit < 0.7 else r.uniform(5_000, 80_000))
                if unit >= 0.7:
                    tags.add("services_fee")
                acct = r.choice(c.accounts) if r.random() < 0.5 else None
                o_row = {"source_id": lid, "name": _odoo_title(r, c, short, lid, created.year, tags),
                         "partner_name": _odoo_company(r, c), "partner_website": f"www.{c.domain}"
                         if r.random() < 0.7 else None,
                         "partner_email": f"{r.choice(['info', 'a.smith', 'cfo'])}@{c.domain}"
                         if r.random() < 0.6 else f"contact{r.randint(1, 99)}@{r.choice(FREE)}",
                         "partner_country": COUNTRIES[c.country][3], "aws_account_id": acct,
                         "aws_payer_account_id": c.payer if acct else None, "expected_revenue": round(amount, 2),
                         "date_deadline": close, "create_date": created, "description": desc,
                         "stage_name": r.choice(["New", "Qualified", "Proposition", "Won"])}
                odoo.append(o_row)
            if has_ace:
                lang = COUNTRIES[c.country][2]
                title = long
                if lang in TRANSLATE and long in TRANSLATE[lang] and r.random() < 0.6:
                    title = TRANSLATE[lang][long]
                    tags.add("language")
                site, email = _ace_site(r, c, tags)
                company = _ace_company(r, c, tags)
                status = "Approved"
                acceptance = "Accepted"
                if r.random() < 0.06:
                    company, site, email = "Accept to View", None, None
                    acceptance, status = "Pending", "Pending Submission"
                    tags.add("masked_referral")
                ace_created = created + timedelta(days=r.randint(-60, -1) if r.random() < 0.25 else r.randint(0, 30))
                if ace_created < created:
                    tags.add("referral_first")
                gap = r.random()
                ace_close = close + timedelta(days=r.randint(-7, 7) if gap < 0.6 else r.randint(-90, 90)
                                              if gap < 0.9 else r.randint(-360, 360))
                if gap >= 0.9:
                    tags.add("date_far")
                acct_roll = r.random()
                account = None
                if acct_roll < 0.35:
                    account = r.choice(c.accounts)
                elif acct_roll < 0.45:
                    account = c.payer
                    tags.add("payer_account")
                if account and account.startswith("0") and r.random() < 0.5:
                    account = account[1:]
                    tags.add("account_11_digits")
                elif account and r.random() < 0.2:
                    account = f"{account[:4]}-{account[4:8]}-{account[8:]}"
                crm = None
                if o_row is not None and r.random() < 0.25:
                    crm_target = lid
                    if r.random() < 0.2:  # stale: a sibling's (the previous lead's) id or an old, gone one
                        crm_target = odoo[-2]["source_id"] if len(odoo) > 1 and r.random() < 0.6 else lid - 3
                        tags.add("stale_id")
                    else:
                        tags.add("exact_id")
                    crm = _format_crm(r, crm_target)
                a_row = {"source_id": f"O{aid}", "name": title, "account_name": company, "domain": site,
                         "customer_email": email, "country": c.country, "aws_account": account,
                         "project_budget": float(mrr), "close_date": ace_close, "aws_create_date": ace_created,
                         "status": status, "partner_acceptance_status": acceptance, "use_case": use_case,
                         "aws_products": products, "delivery_model": r.choice(["SaaS or PaaS", "Managed Services",
                                                                               "Professional Services"]),
                         "project_description": (long if r.random() < 0.5 else None),
                         "partner_crm_unique_identifier": crm,
                         "stage": r.choice(["Prospect", "Qualified", "Technical Validation", "Launched"])}
                ace.append(a_row)
                if o_row is not None and r.random() < 0.1:
                    ref = a_row["source_id"]
                    o_row["ace_opportunity_ref"] = ref.lower() if r.random() < 0.3 else ref
                    tags.add("exact_id")
                if r.random() < 0.08:  # a Rejected duplicate submission of the same project
                    aid += 1
                    dup = {**a_row, "source_id": f"O{aid}", "status": "Rejected",
                           "aws_create_date": ace_created + timedelta(days=r.randint(1, 20)),
                           "partner_crm_unique_identifier": None,
                           "name": a_row["name"] if r.random() < 0.5 else a_row["name"] + " (duplicate)"}
                    ace.append(dup)
                    tags.add("rejected_duplicate")
            if o_row is not None and a_row is not None:
                o_row.setdefault("ace_opportunity_ref", None)
                truth.append((str(o_row["source_id"]), a_row["source_id"], ";".join(sorted(tags))))
    for row in odoo:
        row.setdefault("ace_opportunity_ref", None)
    return Benchmark(odoo, ace, truth)


def load(conn: psycopg.Connection, bench: Benchmark) -> None:
    """Insert the benchmark into core (normalized columns through the warehouse's own functions)."""
    o_cols = ["source_id", "name", "partner_name", "partner_website", "partner_email", "partner_country",
              "aws_account_id", "aws_payer_account_id", "expected_revenue", "date_deadline", "create_date",
              "description", "stage_name", "ace_opportunity_ref"]
    a_cols = ["source_id", "name", "account_name", "domain", "customer_email", "country", "aws_account",
              "project_budget", "close_date", "aws_create_date", "status", "partner_acceptance_status", "use_case",
              "aws_products", "delivery_model", "project_description", "partner_crm_unique_identifier", "stage"]
    with conn.cursor().copy(f"COPY core.odoo_opportunities ({', '.join(o_cols)}) FROM STDIN") as cp:
        for row in bench.odoo:
            cp.write_row([row.get(c) for c in o_cols])
    with conn.cursor().copy(f"COPY core.ace_opportunities ({', '.join(a_cols)}) FROM STDIN") as cp:
        for row in bench.ace:
            cp.write_row([row.get(c) for c in a_cols])
    conn.execute("""
        UPDATE core.odoo_opportunities SET
            normalized_domain = core.normalize_domain(partner_website, partner_email),
            normalized_company_name = core.normalize_company_name(partner_name),
            aws_account_id = core.normalize_aws_account_id(aws_account_id),
            aws_payer_account_id = core.normalize_aws_account_id(aws_payer_account_id)""")
    conn.execute("""
        UPDATE core.ace_opportunities SET
            normalized_domain = core.normalize_domain(domain, customer_email),
            normalized_company_name = core.normalize_company_name(account_name),
            aws_account = core.normalize_aws_account_id(aws_account)""")


def build(settings: Any, db: Any, split: str = "eval", customers: int = 150, truth_path: Path | None = None
          ) -> Benchmark:
    """Load one split into the (empty) warehouse's core tables and embed it: ready for `partner_sync match`."""
    return load_and_embed(settings, db, generate(split, customers), "the hard benchmark", truth_path)


def load_and_embed(settings: Any, db: Any, bench: Benchmark, what: str, truth_path: Path | None = None
                   ) -> Benchmark:
    """Any benchmark into an empty warehouse's core, embedded by the real embed stage; refuses a used one."""
    from partner_sync.embed.stage import embed_entities
    from partner_sync.embed.texts import ENTITIES

    with db.get_connection() as conn:
        taken = conn.execute("SELECT (SELECT count(*) FROM core.odoo_opportunities) + "
                             "(SELECT count(*) FROM core.ace_opportunities)").fetchone()[0]
        if taken:
            raise ValueError(f"core already holds {taken} opportunities: load {what} into an empty "
                             "warehouse (its own database)")
        load(conn, bench)
    embed_entities(settings, db, [ENTITIES["odoo_opportunities"], ENTITIES["ace_opportunities"]])
    if truth_path is not None:
        bench.write_truth(truth_path)
    return bench
