"""A second blind matching benchmark: an APJ + Middle East reseller-heavy partner, evaluation only.

Never train on it, never tune a threshold on it. Written from the issue's list of real-partner phenomena, the
Odoo 17 / Partner Central references and how APJ partners keep Odoo and ACE, without reading the matcher, its
texts or the other generators' logic. Output: hard_match's `Benchmark` (odoo rows, ace rows, truth triples with
';'-joined tags), loaded with hard_match's `load()`.

The world: "Meridian Cloud Asia", an AWS Advanced Tier services partner and Solution Provider headquartered in
Singapore with Odoo companies in SG, JP, TH, ID, IN, AU and AE (each books in its own currency; the rest of the
region books through Singapore in USD). It moved from Salesforce to Odoo in March 2023, resells AWS through
sub-resellers in emerging markets and through Marketplace private offers, and its country teams type customer
names the way their customers write them. Proportions (why):
- Customers: 55% on both sides, 25% Odoo only (resale-only accounts never co-sold, leads that died before
  registration), 20% ACE only (AWS referrals in countries without a sales team, registrations by the alliance
  team nobody copied into Odoo). 14% of customers are subsidiaries of multi-country groups (2-4 countries, one
  group domain and one management payer account); 8% are lookalikes (another customer's trade name in another
  country, unrelated firm, own domain).
- Projects per customer: 1 (50%), 2 (25%), 3-5 (18%), 6-9 (7%). Resale is a yearly renewal with near-identical
  titles (a quarter of all projects), MAP runs assess -> mobilize -> waves, data phases -> BI, GenAI PoC ->
  production, SAP migrate -> run, managed services renewals, Marketplace private offers per ISV.
- Per project of a shared customer: both sides 50%, Odoo only 30%, ACE only 20% (at least one twin each).
- Odoo rows created before the migration (about a quarter) carry the Salesforce id or a HubSpot deal number in
  the title (60%), an upper-case account name (40%), HTML descriptions, and half of them the import timestamp
  as create date. 10% of twins have a duplicate Odoo lead for the same project (website form, a lead converted
  twice, the other country team's copy): only one is the twin.
- Odoo partner: the sub-reseller/distributor on 70% of resold customers' deals (18% of customers in ID, TH, VN,
  PH, IN, MY, AE are resold); a contact person instead of the company on 10% (native-script or romanised
  person name, company or free-mail address); the parent group on 20% of subsidiaries' deals.
- Names: local teams (JP, KR, TW, HK, TH, AE, SA, KZ) type the native-script legal name in Odoo 45% of the time;
  ACE carries the romanised legal name 55%, the trade name 20%, the parent group on 35% of subsidiaries, the
  native name 12%, another transliteration (Hepburn/Kunrei, r/l, kh/h, pinyin of the Chinese name) 25% of
  the romanised ones in script countries, typos 5%, acronyms 5%.
- Texts: Odoo titles are shorthand, in the team's language 35% where one is spoken, "Website form" leads, PO
  numbers; descriptions empty 40%, process notes 20%, e-mail threads 15%, scope notes 25%. ACE titles are
  descriptive English 50%, boilerplate 20%, the customer's language 20% where it is not English, a copy of the
  CRM title 10%.
- Exact ids: partner_crm_unique_identifier on 45% of twins registered after the CRM connector (June 2024), 5%
  before; six forms, including the old Salesforce id for pre-migration deals; 12% stale (a sibling's or the
  duplicate lead's id). Odoo x_studio ACE id (ace_opportunity_ref) on 25% of twins after January 2024, 10% of
  those wrong (a sibling's, the Rejected duplicate's, a mistyped digit).
- ACE lifecycle: the twin itself Rejected 7% (never resubmitted), a Rejected duplicate submission beside the
  live twin 6%, Closed Lost 40% of the closed ones, pending AWS referrals masked as 'Accept to View' 30% of
  the ACE rows created in the last 120 days (older referrals were accepted or expired), AWS referrals created
  in ACE before Odoo 12%.
- Accounts: Odoo holds one on 35% of twins, ACE on 70% of Launched and 25% of others; payer instead of
  linked 15%; the sub-reseller's payer shared by its customers; dashes 8%; a lost leading zero in 80% of the
  spreadsheet-touched rows whose account starts with 0 (15% do): migrated Odoo rows, a quarter of the other
  Odoo rows (pasted from the billing sheet), 20% of ACE rows.
- Websites: Odoo website 70% (ccTLD and .com forms, paths, subdomains), ACE website junk 12% (N/A, social pages,
  the partner's own site, test@test.com), ccTLD vs .com 20%, e-mails on free mail (gmail, yahoo.co.jp, naver,
  qq, 163, hotmail) 10-15%, ACE contact defaulted to the partner's alliance lead 10%.
- Money and dates: Odoo amounts as annual resale, monthly, 3-year TCV or a services fee, in the Odoo company's
  currency (JPY, THB, IDR, INR, AUD, AED, USD), zero 15%; ACE amounts are monthly AWS revenue in USD,
  placeholders 1/100/1000 8%. Close dates +-14 days 45%, 15-90 days 35%, 91-400 days 20% apart (ACE targets
  cannot be in the past, so they are pushed forward); Odoo deadline empty 10%.

Customer roots are three syllables of a 39-syllable inventory (rendered in katakana, hangul, Thai, Arabic,
Cyrillic or hanzi for native names); a seed owns the slice [seed * SLICE, (seed + 1) * SLICE) of a permuted root
space, so different seeds (0 <= seed < MAX_SEEDS) share no customers; Odoo and ACE ids come from the seed.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partner_sync.dev.demo.hard_match import Benchmark, load_and_embed

# -- documented difficulty tags (each truth pair carries the ones that apply) --------------------------------
TAGS = {
    "plain": "no listed difficulty",
    "siblings": "the customer has several projects on both sides",
    "programme": "the project is a phase, wave or yearly renewal of a programme with siblings on both sides",
    "renewal_same_title": "yearly resale/managed renewal: titles differ by the year at most",
    "group_member": "the customer is one subsidiary of a multi-country group (shared domain and payer)",
    "ace_parent_group": "ACE names the parent group, not the subsidiary",
    "odoo_parent_group": "Odoo's partner is the parent group, not the subsidiary",
    "lookalike": "an unrelated firm in another country has the same trade name",
    "name_native": "one side names the company in native script (ja/ko/zh/th/ar/ru), the other romanised",
    "name_translit": "the two sides romanise the name differently (Hepburn/Kunrei, r/l, kh/h, pinyin)",
    "name_upper": "Odoo name in upper case (imported from the old CRM)",
    "name_acronym": "one side uses an acronym of the company",
    "name_typo": "a typo in the ACE company name",
    "name_trade": "ACE uses the trade name without legal form",
    "odoo_reseller": "Odoo's partner is the sub-reseller/distributor, the end customer only in the title or not at all",
    "odoo_contact_person": "Odoo's partner is a contact person, not the company",
    "odoo_migrated": "the Odoo lead was imported from Salesforce/HubSpot (old id in title, HTML, import date)",
    "odoo_dup": "another Odoo lead of the same customer is a duplicate of the same project (not the twin)",
    "odoo_native_title": "the Odoo title is in the team's language",
    "odoo_terse": "the Odoo title is shorthand without project words (website form, PO number, renewal)",
    "odoo_email_thread": "the Odoo description is a pasted e-mail thread",
    "ace_native_title": "the ACE title/description is in the customer's language",
    "ace_boilerplate": "the ACE title is boilerplate ('<Company> - AWS Opportunity')",
    "ace_copy_title": "the ACE title is a copy of the Odoo title (CRM connector)",
    "ace_rejected": "the twin itself is Rejected on ACE",
    "ace_rejected_dup": "a Rejected duplicate submission of the same project sits beside the twin",
    "ace_closed_lost": "the ACE twin is Closed Lost",
    "ace_masked": "the ACE twin is a pending AWS referral masked as 'Accept to View'",
    "aws_referral": "the ACE opportunity was created before the Odoo lead (AWS referral)",
    "marketplace": "a Marketplace private offer (SaaS contract on Odoo, MRR on ACE)",
    "id_crm": "ACE partner_crm_unique_identifier names the Odoo lead (one of several forms)",
    "id_crm_oldcrm": "ACE partner_crm_unique_identifier is the old Salesforce id (in the migrated Odoo title)",
    "id_crm_stale": "ACE partner_crm_unique_identifier names another Odoo lead (a sibling or the duplicate)",
    "id_odoo_ref": "Odoo's ace_opportunity_ref names the ACE twin",
    "id_odoo_ref_wrong": "Odoo's ace_opportunity_ref names another ACE opportunity or is mistyped",
    "account_one_side": "an AWS account on one side only",
    "account_both": "the same linked AWS account on both sides",
    "account_payer": "one side holds the payer (management) account instead of the linked one",
    "account_reseller_payer": "the sub-reseller's payer account, shared by unrelated customers",
    "account_mangled": "an account with dashes or a lost leading zero",
    "domain_junk": "ACE customer website is junk",
    "domain_cctld": "the sides' domains differ by country TLD or subdomain",
    "domain_free_mail": "a side's only domain evidence is a free-mail address",
    "domain_alliance_lead": "ACE contact defaulted to the partner's own alliance lead",
    "amount_local_ccy": "Odoo amount in a local currency (JPY, THB, IDR, INR, AUD, AED)",
    "amount_zero": "Odoo amount zero or ACE amount a placeholder",
    "date_far": "close dates more than 90 days apart",
    "date_missing": "no Odoo deadline",
}

SLICE = 400  # name roots per seed: customers, groups and sub-resellers
SYL = ("ka ki ku ke ko sa shi su se so ta chi tsu te to na ni nu ne no ha hi fu he ho ma mi mu me mo "
       "ya yu yo ra ri ru re ro wa").split()
MAX_SEEDS = len(SYL) ** 3 // SLICE
MAX_CUSTOMERS = 320
_STRIDE, _OFFSET = 7919, 1237  # a bijection of the root space: neighbouring slots get unrelated roots

KATA = dict(zip(SYL, "カキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"))
HANZI = dict(zip(SYL, "卡基庫克科薩詩蘇賽索塔奇茲特托納尼努內諾哈希富赫霍瑪米穆美摩亞裕優拉里魯雷羅華"))
PINYIN = dict(zip(SYL, ("ka ji ku ke ke sa shi su sai suo ta qi zi te tuo na ni nu nei nuo ha xi fu he huo ma mi "
                        "mu mei mo ya yu you la li lu lei luo hua").split()))
_H_INIT = {"k": 0, "s": 9, "sh": 9, "t": 16, "ch": 14, "ts": 14, "n": 2, "h": 18, "f": 18, "m": 6, "y": 11,
           "r": 5, "w": 11, "": 11}
_H_VOW = {"a": 0, "i": 20, "u": 13, "e": 5, "o": 8}
_TH_C = {"k": "ค", "s": "ซ", "sh": "ช", "t": "ท", "ch": "ช", "ts": "ซ", "n": "น", "h": "ฮ", "f": "ฟ", "m": "ม",
         "y": "ย", "r": "ร", "w": "ว"}
_AR_C = {"k": "ك", "s": "س", "sh": "ش", "t": "ت", "ch": "تش", "ts": "تس", "n": "ن", "h": "ه", "f": "ف", "m": "م",
         "y": "ي", "r": "ر", "w": "و"}
_AR_V = {"a": "ا", "i": "ي", "u": "و", "e": "ي", "o": "و"}
_RU_C = {"k": "к", "s": "с", "sh": "ш", "t": "т", "ch": "ч", "ts": "ц", "n": "н", "h": "х", "f": "ф", "m": "м",
         "y": "й", "r": "р", "w": "в"}
_RU_V = {"a": "а", "i": "и", "u": "у", "e": "е", "o": "о"}
_RU_Y = {"ya": "я", "yu": "ю", "yo": "ё"}

# code: (country name, language, TLDs, weight, local team types native names)
COUNTRIES = {
    "SG": ("Singapore", "en", ["com.sg", "sg", "com"], 12),
    "JP": ("Japan", "ja", ["co.jp", "jp", "com"], 15),
    "KR": ("South Korea", "ko", ["co.kr", "kr", "com"], 9),
    "TW": ("Taiwan", "zh", ["com.tw", "tw", "com"], 5),
    "HK": ("Hong Kong", "zh", ["com.hk", "hk", "com"], 4),
    "TH": ("Thailand", "th", ["co.th", "com"], 9),
    "VN": ("Vietnam", "vi", ["com.vn", "vn", "com"], 6),
    "ID": ("Indonesia", "id", ["co.id", "id", "com"], 10),
    "MY": ("Malaysia", "ms", ["com.my", "my", "com"], 6),
    "PH": ("Philippines", "en", ["com.ph", "ph", "com"], 4),
    "IN": ("India", "en", ["co.in", "in", "com"], 9),
    "AU": ("Australia", "en", ["com.au", "com"], 7),
    "NZ": ("New Zealand", "en", ["co.nz", "nz", "com"], 2),
    "AE": ("United Arab Emirates", "ar", ["ae", "com"], 5),
    "SA": ("Saudi Arabia", "ar", ["com.sa", "sa", "com"], 3),
    "KZ": ("Kazakhstan", "ru", ["kz", "com"], 2),
}
SCRIPT_LANGS = {"ja", "ko", "zh", "th", "ar", "ru"}
ODOO_COMPANY = {"SG": ("USD", 1.0), "JP": ("JPY", 150.0), "TH": ("THB", 36.0), "ID": ("IDR", 15800.0),
                "IN": ("INR", 83.0), "AU": ("AUD", 1.52), "AE": ("AED", 3.67)}  # others book via SG in USD
RESELLER_COUNTRIES = ["ID", "TH", "VN", "PH", "IN", "MY", "AE"]

SECTORS = ["Logistics", "Foods", "Energy", "Pharma", "Retail", "Finance", "Motors", "Electronics", "Telecom",
           "Healthcare", "Property", "Insurance"]
SECTOR_NATIVE = {
    "ja": ["物流", "食品", "エナジー", "製薬", "リテール", "ファイナンス", "自動車", "電子", "テレコム", "ヘルスケア",
           "不動産", "保険"],
    "ko": ["물류", "식품", "에너지", "제약", "리테일", "금융", "모터스", "전자", "텔레콤", "헬스케어", "부동산", "보험"],
    "zh": ["物流", "食品", "能源", "製藥", "零售", "金融", "汽車", "電子", "電信", "醫療", "地產", "保險"],
    "th": ["โลจิสติกส์", "ฟู้ดส์", "พลังงาน", "ฟาร์มา", "รีเทล", "การเงิน", "มอเตอร์ส", "อิเล็กทรอนิกส์", "เทเลคอม",
           "เฮลท์แคร์", "พร็อพเพอร์ตี้", "ประกันภัย"],
    "ar": ["للخدمات اللوجستية", "للأغذية", "للطاقة", "للأدوية", "للتجزئة", "للتمويل", "للسيارات", "للإلكترونيات",
           "للاتصالات", "للرعاية الصحية", "العقارية", "للتأمين"],
    "ru": ["Логистик", "Фудс", "Энерджи", "Фарма", "Ритейл", "Финанс", "Моторс", "Электроникс", "Телеком",
           "Хелскеа", "Проперти", "Страхование"],
    "vi": ["Giao Nhận", "Thực Phẩm", "Năng Lượng", "Dược Phẩm", "Bán Lẻ", "Tài Chính", "Ô Tô", "Điện Tử",
           "Viễn Thông", "Y Tế", "Bất Động Sản", "Bảo Hiểm"],
    "id": ["Logistik", "Pangan", "Energi", "Farma", "Ritel", "Keuangan", "Motor", "Elektronik", "Telekomunikasi",
           "Kesehatan", "Properti", "Asuransi"],
}
PERSONS = {
    "ja": [("田中 浩", "Hiroshi Tanaka"), ("佐藤 美咲", "Misaki Sato"), ("鈴木 健太", "Kenta Suzuki"),
           ("高橋 直子", "Naoko Takahashi")],
    "ko": [("김민준", "Minjun Kim"), ("이서연", "Seoyeon Lee"), ("박지훈", "Jihoon Park"), ("최유진", "Yujin Choi")],
    "zh": [("陳志明", "Chih-Ming Chen"), ("林怡君", "Yi-Chun Lin"), ("黃家豪", "Ka Ho Wong"), ("張雅婷", "Ya-Ting Chang")],
    "th": [("สมชาย ประเสริฐ", "Somchai Prasert"), ("นภา วงศ์ใหญ่", "Napa Wongyai"), ("กิตติ ศรีสุข", "Kitti Srisuk")],
    "ar": [("محمد الحربي", "Mohammed Al-Harbi"), ("فاطمة الزهراني", "Fatima Al Zahrani"),
           ("أحمد النعيمي", "Ahmed Alnuaimi")],
    "ru": [("Алия Сейткали", "Aliya Seitkali"), ("Дмитрий Ким", "Dmitriy Kim"), ("Ержан Абенов", "Yerzhan Abenov")],
    "vi": [("Nguyễn Văn An", "Nguyen Van An"), ("Trần Thị Mai", "Tran Thi Mai"), ("Lê Minh Tuấn", "Le Minh Tuan")],
    "id": [("Budi Santoso", "Budi Santoso"), ("Siti Rahmawati", "Siti Rahmawati"), ("Agus Wibowo", "Agus Wibowo")],
    "ms": [("Ahmad Faizal", "Ahmad Faizal"), ("Nurul Huda", "Nurul Huda"), ("Tan Wei Ling", "Tan Wei Ling")],
    "en": [("Priya Sharma", "Priya Sharma"), ("James O'Connor", "James O'Connor"), ("Rajesh Iyer", "Rajesh Iyer"),
           ("Maria Santos", "Maria Santos"), ("Daniel Lim", "Daniel Lim")],
}
FREE_MAIL = {"ja": ["yahoo.co.jp", "gmail.com"], "ko": ["naver.com", "daum.net", "gmail.com"],
             "zh": ["qq.com", "163.com", "gmail.com"], "th": ["hotmail.com", "gmail.com"], "en": ["gmail.com",
             "outlook.com", "hotmail.com"], "default": ["gmail.com", "yahoo.com", "hotmail.com"]}
PARTNER_DOMAIN = "meridiancloud.asia"
ALLIANCE_LEADS = ["alliances@meridiancloud.asia", "aws-alliance@meridiancloud.asia", "grace.tan@meridiancloud.asia"]
JUNK_SITES = ["N/A", "na", "-", "test@test.com", "https://www.facebook.com/{slug}", "linkedin.com/company/{slug}",
              "https://www.meridiancloud.asia", "tbc", "www.google.com"]
ISVS = ["Vaultline", "LogBeacon", "Crestwatch", "Nimbly HR", "Quorvex Analytics", "Sprintform", "Helixguard"]
REGIONS = {"SG": "Singapore", "JP": "Tokyo", "KR": "Seoul", "TW": "Tokyo", "HK": "Hong Kong", "TH": "Bangkok",
           "VN": "Singapore", "ID": "Jakarta", "MY": "Malaysia", "PH": "Singapore", "IN": "Mumbai", "AU": "Sydney",
           "NZ": "Sydney", "AE": "UAE", "SA": "Bahrain", "KZ": "Frankfurt"}

TODAY = dt.date(2026, 11, 29)
MIGRATION = dt.datetime(2023, 3, 18, 2, 14, 7)  # Salesforce -> Odoo import; pre-migration leads may carry it
ACE_FIELD_SINCE = dt.date(2024, 1, 15)  # x_studio_ace_id added to crm.lead
CONNECTOR_SINCE = dt.date(2024, 6, 1)  # the CRM connector writes partnerCrmUniqueIdentifier

# -- project kinds: phases, ACE use case / products / delivery, AWS MRR range (USD) and services fee range ------
KINDS: dict[str, dict[str, Any]] = {
    "resale": dict(phases="yearly", uc="Cloud Management Tools", products="Amazon EC2;Amazon S3;Amazon RDS",
                   dm="Resell", mrr=(1500, 80000), fee=None, weight=25),
    "managed": dict(phases="yearly", uc="Centralized Operations Management", products="AWS Systems Manager;"
                    "Amazon CloudWatch", dm="Managed Services", mrr=(1000, 30000), fee=(20000, 240000), weight=9),
    "map": dict(phases=["assess", "mobilize", "wave1", "wave2", "wave3"], uc="Migration / Database Migration",
                products="AWS Application Migration Service;Amazon EC2", dm="Professional Services",
                mrr=(3000, 60000), fee=(15000, 300000), weight=14),
    "data": dict(phases=["ph1", "ph2", "bi"], uc="Big Data: Data Warehouse / Data Integration / ETL / Data Lake / BI",
                 products="Amazon S3;AWS Glue;Amazon Athena;Amazon QuickSight", dm="Professional Services",
                 mrr=(1000, 25000), fee=(20000, 250000), weight=10),
    "genai": dict(phases=["poc", "prod"], uc="AI Machine Learning and Analytics", products="Amazon Bedrock;"
                  "Amazon OpenSearch Service", dm="Professional Services", mrr=(500, 20000), fee=(10000, 150000),
                  weight=10),
    "sap": dict(phases=["migrate", "run"], uc="Business Applications & SAP Production", products="Amazon EC2;"
                "AWS Backup", dm="Professional Services;Managed Services", mrr=(8000, 90000), fee=(80000, 600000),
                weight=4),
    "marketplace": dict(phases="isv", uc="Security & Compliance", products="AWS Marketplace", dm="SaaS or PaaS",
                        mrr=None, fee=(12000, 360000), weight=10),
    "connect": dict(phases=None, uc="Business Applications & Contact Center", products="Amazon Connect;Amazon Lex",
                    dm="Professional Services", mrr=(1000, 15000), fee=(25000, 180000), weight=5),
    "security": dict(phases=None, uc="Security & Compliance", products="AWS Control Tower;AWS Security Hub;"
                     "Amazon GuardDuty", dm="Professional Services", mrr=(500, 6000), fee=(15000, 90000), weight=5),
    "euc": dict(phases=None, uc="Edge Computing / End User Computing", products="Amazon WorkSpaces",
                dm="Professional Services", mrr=(2000, 30000), fee=(10000, 80000), weight=3),
    "dr": dict(phases=None, uc="Storage & Backup", products="AWS Elastic Disaster Recovery;AWS Backup",
               dm="Professional Services", mrr=(800, 12000), fee=(15000, 120000), weight=3),
    "containers": dict(phases=None, uc="Containers & Serverless", products="Amazon EKS;AWS Fargate",
                       dm="Professional Services", mrr=(1000, 20000), fee=(20000, 160000), weight=2),
}

# ACE titles as an alliance manager writes them (English); {c} company, {y} year, {n} wave, {r} region, {i} ISV
ACE_TITLES = {
    "resale": ["AWS resale under Solution Provider program - {c}", "{c} AWS consumption via Meridian (SPP)",
               "Consolidated billing and resale of AWS services"],
    "managed": ["Managed cloud operations for {c} workloads", "24x7 managed services on AWS - renewal {y}",
                "Cloud operations and monitoring service"],
    "assess": ["Migration readiness assessment (MAP Assess)", "MAP Assess: TCO and portfolio discovery for {c}"],
    "mobilize": ["MAP Mobilize: landing zone and migration planning", "Migration mobilize phase, pilot workloads"],
    "wave": ["Datacenter migration wave {n} to AWS {r} region", "MAP Migrate - wave {n} ({c})",
             "Rehost of on-premises VMs to Amazon EC2, wave {n}"],
    "ph": ["Data lake phase {n} on Amazon S3 and AWS Glue", "Enterprise data platform modernisation, phase {n}"],
    "bi": ["Self-service BI dashboards on Amazon QuickSight", "Analytics and reporting layer for the data lake"],
    "poc": ["Generative AI proof of concept on Amazon Bedrock", "GenAI PoC: knowledge assistant for {c}"],
    "prod": ["GenAI customer service assistant in production", "Production rollout of the Bedrock chatbot"],
    "migrate": ["SAP S/4HANA migration to AWS", "RISE-ready SAP ECC migration to Amazon EC2"],
    "run": ["SAP on AWS managed operations", "SAP run and support services on AWS"],
    "isv": ["AWS Marketplace private offer - {i}", "{i} subscription via AWS Marketplace private offer for {c}"],
    "connect": ["Omnichannel contact centre on Amazon Connect", "Amazon Connect IVR modernisation for {c}"],
    "security": ["Landing zone and security baseline with AWS Control Tower", "Security posture uplift: "
                 "GuardDuty and Security Hub rollout"],
    "euc": ["Amazon WorkSpaces for remote agents", "Virtual desktop migration to Amazon WorkSpaces"],
    "dr": ["Disaster recovery to AWS {r} region", "DR for core systems with AWS Elastic Disaster Recovery"],
    "containers": ["Application containerisation on Amazon EKS", "Microservices platform on EKS and Fargate"],
}
ACE_DESC = {
    "resale": "Customer consumes AWS through our Solution Provider account; we provide consolidated billing, "
              "cost optimisation reviews and first-line support for {acc} linked accounts.",
    "managed": "Managed services contract covering monitoring, patching, backup and incident response for the "
               "customer's production workloads in the AWS {r} region.",
    "assess": "Discovery of {vm} servers and applications with Migration Evaluator, business case and TCO for "
              "moving the datacenter to AWS before the hardware refresh.",
    "mobilize": "Build the landing zone, migration factory and pilot the first applications ahead of the large "
                "scale migration; MAP Mobilize funding requested.",
    "wave": "Wave {n} of the datacenter exit: rehost about {vm} VMs with AWS Application Migration Service, cut "
            "over by application group.",
    "ph": "Phase {n} of the data platform: ingest ERP and POS data into an S3 data lake with Glue, catalogue and "
          "govern with Lake Formation.",
    "bi": "Dashboards for finance and operations on QuickSight on top of the data lake built earlier.",
    "poc": "Proof of concept of a retrieval augmented assistant on Amazon Bedrock over internal documents, "
           "in the customer's language.",
    "prod": "Take the Bedrock assistant from PoC to production for customer service, with guardrails and "
            "monitoring.",
    "migrate": "Migration of SAP ECC to S/4HANA on AWS, {vm} SAP systems, with HANA on EC2 high memory instances.",
    "run": "Run and support of the SAP landscape on AWS after migration: basis, backups, patching, DR tests.",
    "isv": "Private offer for {i} through AWS Marketplace, {years}-year subscription, counts toward the "
           "customer's EDP commitment.",
    "connect": "Replace the legacy on-premises call centre with Amazon Connect for {ag} agents, IVR in the local "
               "language with Lex.",
    "security": "Multi-account landing zone with Control Tower, SCPs, centralised logging, GuardDuty and "
                "Security Hub across {acc} accounts.",
    "euc": "Deliver Amazon WorkSpaces to {ag} contact centre and back-office users replacing on-premises VDI.",
    "dr": "Pilot-light disaster recovery for core systems into the AWS {r} region using Elastic Disaster Recovery.",
    "containers": "Re-platform the customer's Java applications onto Amazon EKS with Fargate, CI/CD pipelines.",
}
# ACE titles in the customer's language (local alliance/AM writes them): per phase key, per language
NATIVE_TITLES = {
    "resale": {"ja": "AWS再販契約 {y}年度", "ko": "AWS 리셀 계약 {y}", "zh": "AWS 轉售合約 {y}年",
               "th": "สัญญาขายต่อบริการ AWS ปี {y}", "vi": "Hợp đồng bán lại dịch vụ AWS năm {y}",
               "id": "Perpanjangan reseller AWS {y}", "ar": "إعادة بيع خدمات AWS لعام {y}",
               "ru": "Перепродажа услуг AWS {y}", "ms": "Jualan semula AWS {y}"},
    "managed": {"ja": "AWS運用保守サービス {y}年度", "ko": "AWS 운영 관리 서비스 {y}", "zh": "AWS 代管維運服務 {y}",
                "th": "บริการดูแลระบบบน AWS ปี {y}", "vi": "Dịch vụ vận hành AWS năm {y}",
                "id": "Layanan managed service AWS {y}", "ar": "خدمات التشغيل المُدارة على AWS {y}",
                "ru": "Сопровождение инфраструктуры AWS {y}", "ms": "Perkhidmatan terurus AWS {y}"},
    "assess": {"ja": "クラウド移行アセスメント", "ko": "클라우드 마이그레이션 사전 평가", "zh": "雲端遷移評估",
               "th": "ประเมินความพร้อมย้ายระบบขึ้นคลาวด์", "vi": "Đánh giá sẵn sàng chuyển đổi lên đám mây",
               "id": "Asesmen kesiapan migrasi cloud", "ar": "تقييم الجاهزية للانتقال إلى السحابة",
               "ru": "Оценка готовности к миграции в облако", "ms": "Penilaian kesediaan migrasi awan"},
    "mobilize": {"ja": "移行準備フェーズ (ランディングゾーン構築)", "ko": "마이그레이션 준비 단계 (랜딩존 구축)",
                 "zh": "遷移準備階段與登陸區建置", "th": "เตรียมการย้ายระบบและสร้าง Landing Zone",
                 "vi": "Giai đoạn chuẩn bị di chuyển và Landing Zone", "id": "Fase persiapan migrasi dan landing zone",
                 "ar": "مرحلة التحضير للترحيل وبناء البيئة الأساسية", "ru": "Подготовка к миграции, landing zone",
                 "ms": "Fasa persediaan migrasi"},
    "wave": {"ja": "データセンター移行 第{n}弾", "ko": "데이터센터 이전 {n}차", "zh": "資料中心遷移第{n}波",
             "th": "ย้ายดาต้าเซ็นเตอร์ขึ้น AWS ระยะที่ {n}", "vi": "Di chuyển trung tâm dữ liệu đợt {n}",
             "id": "Migrasi data center gelombang {n}", "ar": "نقل مركز البيانات - المرحلة {n}",
             "ru": "Миграция ЦОД, волна {n}", "ms": "Migrasi pusat data gelombang {n}"},
    "ph": {"ja": "データレイク構築 フェーズ{n}", "ko": "데이터 레이크 구축 {n}단계", "zh": "資料湖建置第{n}期",
           "th": "สร้าง Data Lake ระยะที่ {n}", "vi": "Xây dựng hồ dữ liệu giai đoạn {n}",
           "id": "Pembangunan data lake tahap {n}", "ar": "بناء بحيرة البيانات - المرحلة {n}",
           "ru": "Построение озера данных, этап {n}", "ms": "Pembinaan tasik data fasa {n}"},
    "bi": {"ja": "BIダッシュボード構築", "ko": "BI 대시보드 구축", "zh": "商業智慧儀表板建置", "th": "ระบบรายงาน BI",
           "vi": "Xây dựng báo cáo BI", "id": "Dashboard BI", "ar": "لوحات معلومات ذكاء الأعمال",
           "ru": "BI-отчётность", "ms": "Papan pemuka BI"},
    "poc": {"ja": "生成AI PoC (Amazon Bedrock)", "ko": "생성형 AI PoC", "zh": "生成式AI概念驗證",
            "th": "ทดลองใช้ Generative AI", "vi": "Thử nghiệm AI tạo sinh", "id": "PoC AI generatif",
            "ar": "إثبات مفهوم الذكاء الاصطناعي التوليدي", "ru": "Пилот генеративного ИИ", "ms": "PoC AI generatif"},
    "prod": {"ja": "生成AIチャットボット本番展開", "ko": "생성형 AI 챗봇 상용화", "zh": "生成式AI客服機器人正式上線",
             "th": "แชทบอท AI สำหรับบริการลูกค้า", "vi": "Triển khai chatbot AI chính thức",
             "id": "Chatbot AI layanan pelanggan produksi", "ar": "تشغيل مساعد خدمة العملاء بالذكاء الاصطناعي",
             "ru": "Запуск чат-бота ИИ в промышленную эксплуатацию", "ms": "Chatbot AI pengeluaran"},
    "migrate": {"ja": "SAP S/4HANA 移行", "ko": "SAP S/4HANA 전환", "zh": "SAP S/4HANA 遷移上雲",
                "th": "ย้ายระบบ SAP ขึ้น AWS", "vi": "Chuyển đổi SAP lên AWS", "id": "Migrasi SAP ke AWS",
                "ar": "ترحيل SAP إلى AWS", "ru": "Миграция SAP в AWS", "ms": "Migrasi SAP ke AWS"},
    "run": {"ja": "SAP運用保守", "ko": "SAP 운영 지원", "zh": "SAP 維運服務", "th": "ดูแลระบบ SAP บน AWS",
            "vi": "Vận hành SAP trên AWS", "id": "Operasional SAP di AWS", "ar": "تشغيل ودعم SAP على AWS",
            "ru": "Поддержка SAP на AWS", "ms": "Operasi SAP di AWS"},
    "isv": {"ja": "{i} プライベートオファー", "ko": "{i} 프라이빗 오퍼", "zh": "{i} 私有報價",
            "th": "{i} ผ่าน AWS Marketplace", "vi": "{i} qua AWS Marketplace", "id": "{i} via AWS Marketplace",
            "ar": "{i} عبر AWS Marketplace", "ru": "{i} через AWS Marketplace", "ms": "{i} melalui AWS Marketplace"},
    "connect": {"ja": "コンタクトセンター刷新 (Amazon Connect)", "ko": "컨택센터 클라우드 전환", "zh": "客服中心雲端化",
                "th": "ระบบคอลเซ็นเตอร์บนคลาวด์", "vi": "Tổng đài chăm sóc khách hàng trên đám mây",
                "id": "Modernisasi contact center", "ar": "مركز اتصال سحابي", "ru": "Облачный контакт-центр",
                "ms": "Pusat panggilan awan"},
    "security": {"ja": "セキュリティ基盤整備", "ko": "보안 체계 구축", "zh": "雲端資安基礎建置",
                 "th": "วางระบบความปลอดภัยบนคลาวด์", "vi": "Nền tảng bảo mật đám mây", "id": "Fondasi keamanan cloud",
                 "ar": "تعزيز أمن البيئة السحابية", "ru": "Базовая безопасность облака", "ms": "Asas keselamatan awan"},
    "euc": {"ja": "仮想デスクトップ移行", "ko": "가상 데스크톱 전환", "zh": "虛擬桌面導入", "th": "ระบบเดสก์ท็อปเสมือน",
            "vi": "Máy tính ảo cho nhân viên", "id": "Desktop virtual untuk agen", "ar": "أجهزة سطح المكتب الافتراضية",
            "ru": "Виртуальные рабочие места", "ms": "Desktop maya"},
    "dr": {"ja": "災害対策 (DR) 環境構築", "ko": "재해 복구 체계 구축", "zh": "異地備援建置", "th": "ระบบกู้คืนจากภัยพิบัติ",
           "vi": "Hệ thống dự phòng thảm họa", "id": "Pemulihan bencana (DR)", "ar": "التعافي من الكوارث",
           "ru": "Аварийное восстановление", "ms": "Pemulihan bencana"},
    "containers": {"ja": "コンテナ基盤構築 (EKS)", "ko": "컨테이너 플랫폼 구축", "zh": "容器化平台建置",
                   "th": "แพลตฟอร์มคอนเทนเนอร์", "vi": "Nền tảng container", "id": "Platform kontainer",
                   "ar": "منصة الحاويات", "ru": "Контейнерная платформа", "ms": "Platform kontena"},
}
# Odoo titles as reps type them; {s} = what the rep calls the customer
ODOO_TITLES = {
    "resale": ["{s} - AWS resale {y}", "{s} resell FY{yy}", "Renewal {y}", "{s} AWS billing {y}", "{s} SPP"],
    "managed": ["{s} MSP {y}", "{s} managed svc renewal", "Renewal {y} - {s}", "{s} - 24x7 ops"],
    "assess": ["{s} MAP Assess", "{s} - migration assessment", "{s} MRA"],
    "mobilize": ["{s} - Mobilize", "{s} MAP mob.", "{s} LZ + pilot"],
    "wave": ["{s} Mig W{n}", "{s} - migration wave {n}", "{s} DC exit ph{n}"],
    "ph": ["{s} - DL Ph{n}", "{s} datalake P{n}", "{s} data platform {n}"],
    "bi": ["{s} - BI", "{s} QuickSight dashboards", "{s} reporting"],
    "poc": ["{s} GenAI PoC", "{s} - Bedrock POC", "{s} AI pilot"],
    "prod": ["{s} GenAI prod", "{s} - chatbot go-live", "{s} AI assistant rollout"],
    "migrate": ["{s} SAP migration", "{s} - S4 on AWS", "{s} SAP move"],
    "run": ["{s} SAP AMS", "{s} - SAP run", "{s} SAP support {y}"],
    "isv": ["{s} - {i} MP PO", "{i} private offer {s}", "PO-{y}-{po:04d} {s} {i}"],
    "connect": ["{s} - Connect CC", "{s} call centre", "{s} Amazon Connect"],
    "security": ["{s} - LZ/security", "{s} Control Tower", "{s} sec baseline"],
    "euc": ["{s} - WorkSpaces", "{s} VDI", "{s} WS {ag} seats"],
    "dr": ["{s} - DR", "{s} DR site AWS", "{s} backup/DR"],
    "containers": ["{s} - EKS", "{s} containers", "{s} k8s platform"],
}
ODOO_NATIVE = {  # what a local team types in its own language, per phase key
    "ja": {"resale": "{s} AWS再販 {y}", "managed": "{s} 運用保守 {y}", "assess": "{s} 移行アセスメント",
           "mobilize": "{s} 移行準備", "wave": "{s} 移行 第{n}弾", "ph": "{s} データ基盤 {n}期",
           "bi": "{s} BI", "poc": "{s} 生成AI検証", "prod": "{s} 生成AI本番", "migrate": "{s} SAP移行",
           "run": "{s} SAP保守", "isv": "{s} {i}", "connect": "{s} コールセンター", "security": "{s} セキュリティ",
           "euc": "{s} VDI", "dr": "{s} DR", "containers": "{s} コンテナ"},
    "ko": {"resale": "{s} AWS 리셀 {y}", "managed": "{s} 운영 {y}", "assess": "{s} 사전 평가", "mobilize": "{s} 준비",
           "wave": "{s} 이전 {n}차", "ph": "{s} 데이터 {n}단계", "bi": "{s} BI", "poc": "{s} AI PoC",
           "prod": "{s} AI 상용", "migrate": "{s} SAP 전환", "run": "{s} SAP 운영", "isv": "{s} {i}",
           "connect": "{s} 콜센터", "security": "{s} 보안", "euc": "{s} VDI", "dr": "{s} DR", "containers": "{s} 컨테이너"},
    "th": {"resale": "{s} ต่อสัญญา AWS {y}", "managed": "{s} ดูแลระบบ {y}", "assess": "{s} ประเมินระบบ",
           "mobilize": "{s} เตรียมย้ายระบบ", "wave": "{s} ย้ายระบบ เฟส {n}", "ph": "{s} data lake เฟส {n}",
           "bi": "{s} รายงาน BI", "poc": "{s} ทดลอง AI", "prod": "{s} AI ใช้งานจริง", "migrate": "{s} ย้าย SAP",
           "run": "{s} ดูแล SAP", "isv": "{s} {i}", "connect": "{s} คอลเซ็นเตอร์", "security": "{s} ความปลอดภัย",
           "euc": "{s} VDI", "dr": "{s} DR", "containers": "{s} คอนเทนเนอร์"},
    "id": {"resale": "{s} perpanjangan AWS {y}", "managed": "{s} managed service {y}", "assess": "{s} asesmen",
           "mobilize": "{s} persiapan migrasi", "wave": "{s} migrasi tahap {n}", "ph": "{s} datalake tahap {n}",
           "bi": "{s} dashboard", "poc": "{s} PoC AI", "prod": "{s} AI produksi", "migrate": "{s} migrasi SAP",
           "run": "{s} support SAP", "isv": "{s} {i}", "connect": "{s} contact center", "security": "{s} keamanan",
           "euc": "{s} VDI", "dr": "{s} DR", "containers": "{s} kontainer"},
}
PROCESS_NOTES = {
    "en": ["Met CIO, sending proposal next week.", "AWS AM introduced, waiting for budget (Q{q}).",
           "Customer asked for MAP funding, check with PDM.", "Quote sent. Follow up after Chinese New Year.",
           "PO expected end of month", "Lost to incumbent SI, keep warm."],
    "ja": ["客先訪問済み。来週見積提出予定。", "AWS営業からの紹介案件。予算確定待ち。", "稟議中。"],
    "ko": ["고객 미팅 완료, 제안서 송부 예정", "AWS 담당자 소개 건, 예산 확인 중"],
    "th": ["นัดประชุมกับลูกค้าแล้ว รอใบเสนอราคา", "ลูกค้ารออนุมัติงบประมาณ"],
    "id": ["Sudah meeting dengan IT Head, tunggu PO.", "Menunggu approval budget dari HQ."],
}
DEDUP_FORMS = ["Website form: Contact us - {n}", "{t}", "{t} (copy)", "[{cc}] {t}"]


@dataclass
class Reseller:
    name: str
    country: str
    domain: str
    payer: str


@dataclass
class Customer:
    key: int
    country: str
    lang: str
    roots: list[str]      # the root's syllables
    roman: str            # romanised brand ("Karito")
    sector: int
    legal: str            # romanised legal name
    native: str | None    # native-script legal name (script languages) or local-language legal name
    trade: str            # trade name
    domain: str
    presence: str         # both / odoo / ace
    accounts: list[str]
    payer: str
    group: str | None = None      # parent group name for subsidiaries
    lookalike_of: int | None = None
    reseller: Reseller | None = None
    person: tuple[str, str] | None = None
    projects: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Blind2Benchmark(Benchmark):
    customers: list[Customer] = field(default_factory=list)
    owner: dict[str, int] = field(default_factory=dict)  # "odoo:<id>" / "ace:<id>" -> customer key


# -- names -----------------------------------------------------------------------------------------------------

def _root(seed: int, slot: int) -> list[str]:
    """The slot-th root of a seed's slice: a bijection of [0, 39^3), so seeds never share a root."""
    if slot >= SLICE:
        raise ValueError(f"seed {seed} has used its {SLICE} name roots")
    g = (((seed * SLICE + slot) * _STRIDE) + _OFFSET) % len(SYL) ** 3
    return [SYL[g // len(SYL) ** 2], SYL[g // len(SYL) % len(SYL)], SYL[g % len(SYL)]]


def _split(s: str) -> tuple[str, str]:
    return s[:-1], s[-1]


def _hangul(syl: str) -> str:
    c, v = _split(syl)
    if c == "y":
        vi = {"a": 2, "u": 17, "o": 12}[v]
    elif c == "w":
        vi = 9
    elif syl in ("su", "tsu"):
        vi = 18
    else:
        vi = _H_VOW[v]
    return chr(0xAC00 + (_H_INIT[c] * 21 + vi) * 28)


def _thai(syl: str) -> str:
    c, v = _split(syl)
    ch = _TH_C[c]
    return {"a": ch + "า", "i": ch + "ิ", "u": ch + "ุ", "e": "เ" + ch, "o": "โ" + ch}[v]


def _cyr(syl: str) -> str:
    if syl in _RU_Y:
        return _RU_Y[syl]
    c, v = _split(syl)
    return _RU_C[c] + _RU_V[v]


def native_root(roots: list[str], lang: str) -> str:
    if lang == "ja":
        return "".join(KATA[s] for s in roots)
    if lang == "ko":
        return "".join(_hangul(s) for s in roots)
    if lang == "zh":
        return "".join(HANZI[s] for s in roots)
    if lang == "th":
        return "".join(_thai(s) for s in roots)
    if lang == "ar":
        return "".join(_AR_C[_split(s)[0]] + _AR_V[_split(s)[1]] for s in roots)
    if lang == "ru":
        return "".join(_cyr(s) for s in roots).capitalize()
    raise ValueError(lang)


def translit_variant(r: random.Random, roots: list[str], lang: str) -> str:
    """The same native name romanised by someone else (another system, or the local habit)."""
    s = "".join(roots)
    if lang == "zh":  # the Chinese name read in pinyin is another word altogether
        return "".join(PINYIN[x] for x in roots).capitalize()
    rules = {"ja": [("shi", "si"), ("chi", "ti"), ("tsu", "tu"), ("fu", "hu"), ("o", "oh")],
             "ko": [("r", "l"), ("k", "g"), ("o", "oh"), ("e", "ae"), ("chi", "ji")],
             "th": [("r", "l"), ("k", "kh"), ("t", "th"), ("o", "oh"), ("e", "ae")],
             "ar": [("e", "i"), ("o", "u"), ("ka", "qa"), ("i", "ee"), ("sh", "ch")],
             "ru": [("h", "kh"), ("ts", "c"), ("ya", "ia"), ("yu", "iu"), ("e", "ye"), ("i", "y")]}[lang]
    usable = [(a, b) for a, b in rules if a in s]
    if not usable:
        return s.capitalize() + ("h" if s[-1] in "ou" else "e")
    a, b = r.choice(usable)
    if a == "o" and lang in ("ja", "ko", "th"):  # long final vowel: Satoh, Kimoh
        return (s[:-1] + "oh").capitalize() if s.endswith("o") else s.replace(a, b, 1).capitalize()
    return s.replace(a, b, 1).capitalize()


def _legal(r: random.Random, c: Customer, name: str) -> tuple[str, str | None]:
    """(romanised legal name, native legal name) as registered in the customer's country."""
    sec, lang = SECTORS[c.sector], c.lang
    sn = SECTOR_NATIVE.get(lang, SECTORS)[c.sector]
    cc = c.country
    if cc == "JP":
        nat = native_root(c.roots, "ja") + sn
        return (r.choice([f"{name} {sec} Co., Ltd.", f"{name} {sec} K.K.", f"{name} {sec} Corporation"]),
                r.choice([f"株式会社{nat}", f"{nat}株式会社"]))
    if cc == "KR":
        nat = native_root(c.roots, "ko") + sn
        return r.choice([f"{name} {sec} Co., Ltd.", f"{name} {sec} Corp."]), r.choice([f"주식회사 {nat}", f"(주){nat}"])
    if cc in ("TW", "HK"):
        nat = native_root(c.roots, "zh") + sn
        if cc == "TW":
            return r.choice([f"{name} {sec} Co., Ltd.", f"{name} {sec} Corporation"]), f"{nat}股份有限公司"
        return f"{name} {sec} Limited", f"{nat}有限公司"
    if cc == "TH":
        nat = native_root(c.roots, "th") + sn
        if r.random() < 0.3:
            return f"{name} {sec} Public Company Limited", f"บริษัท {nat} จำกัด (มหาชน)"
        return f"{name} {sec} Co., Ltd.", f"บริษัท {nat} จำกัด"
    if cc in ("AE", "SA"):
        nat = native_root(c.roots, "ar")
        form = r.choice(["LLC", "FZ-LLC", "FZE"]) if cc == "AE" else "Company"
        return f"{name} {sec} {form}", f"شركة {nat} {sn}" + (" ذ.م.م" if cc == "AE" else "")
    if cc == "KZ":
        nat = native_root(c.roots, "ru")
        return f"{name} {sec} LLP", f"ТОО «{nat} {sn}»"
    if cc == "VN":
        return (r.choice([f"{name} {sec} Joint Stock Company", f"{name} {sec} Company Limited"]),
                r.choice([f"Công ty Cổ phần {sn} {name}", f"Công ty TNHH {name}"]))
    if cc == "ID":
        return f"PT {name} {sn}" + r.choice(["", " Tbk", " Indonesia"]), None
    form = {"SG": ["Pte. Ltd.", "Pte Ltd"], "MY": ["Sdn. Bhd.", "Berhad"], "PH": ["Inc.", "Corporation"],
            "IN": ["Private Limited", "Pvt. Ltd.", "Limited"], "AU": ["Pty Ltd", "Pty. Limited"],
            "NZ": ["Limited"]}[cc]
    return f"{name} {sec} {r.choice(form)}", None


def _acronym(c: Customer) -> str:
    return (c.roots[0][0] + c.roots[1][0] + SECTORS[c.sector][0]).upper()


def _typo(r: random.Random, s: str) -> str:
    i = r.randrange(1, max(2, len(s) - 1))
    op = r.random()
    if op < 0.4 and s[i].isalpha():
        return s[:i] + s[i + 1:]
    if op < 0.7 and i + 1 < len(s):
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    return s[:i] + s[i] + s[i:]


def _account(r: random.Random) -> str:
    """12 digits; about one in seven starts with a zero (older accounts), which spreadsheets drop."""
    if r.random() < 0.15:
        return f"0{r.randrange(10 ** 10, 10 ** 11):011d}"
    return f"{r.randrange(10 ** 11, 10 ** 12):012d}"


def _domain_for(r: random.Random, c_roman: str, sector: str, country: str) -> str:
    base = c_roman.lower() + r.choice(["", sector.lower(), "-" + sector.lower()[:4], "group"])
    return f"{base}.{r.choice(COUNTRIES[country][2])}"


# -- customers ---------------------------------------------------------------------------------------------

def _pick_country(r: random.Random, exclude: tuple[str, ...] = ()) -> str:
    codes = [c for c in COUNTRIES if c not in exclude]
    return r.choices(codes, weights=[COUNTRIES[c][3] for c in codes])[0]


def _new_customer(r: random.Random, key: int, roots: list[str], country: str, sector: int) -> Customer:
    lang = COUNTRIES[country][1]
    roman = "".join(roots).capitalize()
    c = Customer(key=key, country=country, lang=lang, roots=roots, roman=roman, sector=sector, legal="",
                 native=None, trade=r.choice([roman, f"{roman} {SECTORS[sector]}"]), domain="",
                 presence="both", accounts=[_account(r) for _ in range(r.choice([1, 1, 2, 3]))], payer=_account(r))
    c.legal, c.native = _legal(r, c, roman)
    c.domain = _domain_for(r, roman, SECTORS[sector], country)
    return c


def _customers(r: random.Random, seed: int, n: int) -> tuple[list[Customer], list[Reseller]]:
    slot = 0

    def next_root() -> list[str]:
        nonlocal slot
        slot += 1
        return _root(seed, slot - 1)

    resellers = []
    for cc in RESELLER_COUNTRIES:
        roman = "".join(next_root()).capitalize()
        name = {"ID": f"PT {roman} Solusi Digital", "TH": f"{roman} Technology Co., Ltd.", "VN": f"{roman} JSC",
                "PH": f"{roman} IT Solutions Inc.", "IN": f"{roman} Infotech Pvt. Ltd.",
                "MY": f"{roman} Systems Sdn. Bhd.", "AE": f"{roman} Computer Trading LLC"}[cc]
        resellers.append(Reseller(name, cc, f"{roman.lower()}.{COUNTRIES[cc][2][0]}", _account(r)))
    out: list[Customer] = []
    while len(out) < n:
        roll = r.random()
        if roll < 0.06 and n - len(out) >= 2:  # a multi-country group: 2-4 subsidiaries (~14% of customers)
            roots = next_root()
            roman = "".join(roots).capitalize()
            sector = r.randrange(len(SECTORS))
            home = r.choice(["SG", "JP", "JP", "KR", "TH", "AE", "IN"])
            group = f"{roman} {r.choice(['Group', 'Holdings', 'Holdings Pte. Ltd.', 'Corporation'])}"
            gdomain = f"{roman.lower()}{r.choice(['group', ''])}.com"
            gpayer = _account(r)
            countries = [home] + r.sample([c for c in COUNTRIES if c != home], r.randint(1, 3))
            for cc in countries[: n - len(out)]:
                c = _new_customer(r, len(out), roots, cc, sector)
                if cc != home:
                    cname = COUNTRIES[cc][0]
                    c.legal = {"ID": f"PT {roman} Indonesia", "VN": f"{roman} Vietnam Co., Ltd",
                               "TH": f"{roman} (Thailand) Co., Ltd.", "MY": f"{roman} Malaysia Sdn. Bhd.",
                               "IN": f"{roman} India Private Limited", "AU": f"{roman} Australia Pty Ltd",
                               "JP": f"{roman} Japan K.K.", "KR": f"{roman} Korea Co., Ltd."}.get(
                        cc, f"{roman} {cname}")
                    if cc == "TH":
                        c.native = f"บริษัท {native_root(roots, 'th')} (ประเทศไทย) จำกัด"
                    elif cc == "JP":
                        c.native = f"{native_root(roots, 'ja')}ジャパン株式会社"
                    elif cc == "KR":
                        c.native = f"{native_root(roots, 'ko')}코리아 주식회사"
                    elif c.lang in SCRIPT_LANGS:
                        c.native = None
                    c.trade = f"{roman} {cname}"
                c.group = group
                c.domain = gdomain if r.random() < 0.6 else f"{roman.lower()}.{COUNTRIES[cc][2][0]}"
                c.payer = gpayer
                out.append(c)
        elif roll < 0.14 and out:  # a lookalike: another firm with an existing trade name, other country
            orig = r.choice([c for c in out if c.lookalike_of is None and c.group is None] or out)
            cc = _pick_country(r, (orig.country,))
            sector = (orig.sector + r.randrange(1, len(SECTORS))) % len(SECTORS)
            c = _new_customer(r, len(out), orig.roots, cc, sector)
            c.lookalike_of = orig.key
            if c.domain.split(".")[0] == orig.domain.split(".")[0]:  # another firm: never the same stem
                c.domain = f"{c.roman.lower()}{SECTORS[sector].lower()}.{c.domain.split('.', 1)[1]}"
            out.append(c)
        else:
            out.append(_new_customer(r, len(out), next_root(), _pick_country(r), r.randrange(len(SECTORS))))
    by_country = {rs.country: rs for rs in resellers}
    for c in out:
        c.presence = r.choices(["both", "odoo", "ace"], [55, 25, 20])[0]
        if c.country in by_country and c.group is None and r.random() < 0.18:
            c.reseller = by_country[c.country]
        if r.random() < 0.10:
            c.person = r.choice(PERSONS.get(c.lang, PERSONS["en"]))
    return out, resellers


# -- projects ----------------------------------------------------------------------------------------------

def _projects(r: random.Random, c: Customer) -> list[dict[str, Any]]:
    n = r.choices([1, 2, r.randint(3, 5), r.randint(6, 9)], [50, 25, 18, 7])[0]
    start = dt.date(2021, 6, 1) + dt.timedelta(days=r.randrange(0, (dt.date(2026, 9, 1) - dt.date(2021, 6, 1)).days))
    kinds = list(KINDS)
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    guard = 0
    while len(out) < n and guard < 50:
        guard += 1
        kind = r.choices(kinds, [KINDS[k]["weight"] for k in kinds])[0]
        spec = KINDS[kind]
        t0 = min(start + dt.timedelta(days=r.randrange(0, 400)), TODAY - dt.timedelta(days=20 + r.randrange(60)))
        if spec["phases"] == "yearly":
            span = r.randint(1, max(1, n - len(out)))
            steps = [(str(t0.year + i), t0 + dt.timedelta(days=365 * i + r.randrange(-20, 20))) for i in range(span)]
        elif spec["phases"] == "isv":
            steps = [(r.choice(ISVS), t0)]
        elif spec["phases"] is None:
            steps = [(kind, t0)]
        else:
            phases = spec["phases"]
            first = 0 if r.random() < 0.7 else r.randrange(len(phases))
            k = min(len(phases) - first, r.randint(1, max(1, n - len(out))))
            steps, t = [], t0
            for p in phases[first:first + k]:
                steps.append((p, t))
                t += dt.timedelta(days=r.randint(60, 200))
        for phase, created in steps:
            if (kind, phase) in seen or len(out) >= n or created > TODAY - dt.timedelta(days=10):
                continue
            seen.add((kind, phase))
            spec_mrr = spec["mrr"]
            fee = round(r.uniform(*spec["fee"]), -2) if spec["fee"] else None
            mrr = round(r.uniform(*spec_mrr)) if spec_mrr else round((fee or 0) / 12)
            out.append(dict(kind=kind, phase=phase, created=created, mrr=mrr, fee=fee,
                            close=created + dt.timedelta(days=r.randint(30, 240)),
                            vm=r.choice([40, 60, 120, 250, 400]), ag=r.choice([50, 120, 300, 800]),
                            acc=r.choice([3, 8, 15, 40]), years=r.choice([1, 1, 3]),
                            account=r.choice(c.accounts), po=r.randrange(1, 2000)))
    out.sort(key=lambda p: p["created"])
    return out


def _key(p: dict[str, Any]) -> tuple[str, str]:
    """(phase key for the title tables, wave/phase number)."""
    kind, phase = p["kind"], p["phase"]
    if kind in ("resale", "managed"):
        return kind, ""
    if kind == "marketplace":
        return "isv", ""
    if kind == "map":
        return ("wave", phase[-1]) if phase.startswith("wave") else (phase, "")
    if kind == "data":
        return ("ph", phase[-1]) if phase.startswith("ph") else ("bi", "")
    if kind in ("genai", "sap"):
        return phase, ""
    return kind, ""


def _fmt(template: str, c_name: str, p: dict[str, Any], short: str = "") -> str:
    key, n = _key(p)
    year = p["phase"] if p["kind"] in ("resale", "managed") else str(p["created"].year)
    isv = p["phase"] if p["kind"] == "marketplace" else ""
    return template.format(c=c_name, s=short, y=year, yy=year[-2:], n=n or "1", r=REGIONS[p["country"]], i=isv,
                           vm=p["vm"], ag=p["ag"], acc=p["acc"], years=p["years"], po=p["po"],
                           q=(p["close"].month + 2) // 3)


# -- rows --------------------------------------------------------------------------------------------------

def _html(text: str) -> str:
    paras = [s for s in text.split("\n") if s]
    return "".join(f"<p>{s.replace('  ', '&nbsp; ')}</p>" for s in paras) + "<p><br></p>"


def _email_thread(r: random.Random, c: Customer, p: dict[str, Any], contact: str, email: str | None) -> str:
    subj = _fmt(r.choice(ACE_TITLES[_key(p)[0]]), c.trade, p)
    sent = p["created"] - dt.timedelta(days=r.randint(1, 20))
    return (f"From: {contact} <{email or 'unknown'}>\nSent: {sent:%A, %d %B %Y} 10:{r.randint(10, 59)}\n"
            f"To: sales@{PARTNER_DOMAIN}\nSubject: RE: {subj}\n\nHi team,\nThanks for the call. Please find "
            f"attached our requirements; we would like to start in {p['close']:%B}. Budget is still being "
            f"confirmed with finance.\n\nBest regards,\n{contact}\n\n-----Original Message-----\nFrom: Meridian "
            f"Cloud Asia\nSubject: {subj}\nDear {contact.split()[0]}, following up on our meeting...")


def _url(r: random.Random, domain: str) -> str:
    return r.choice([f"https://www.{domain}", domain, f"http://{domain}/", f"www.{domain}/", f"https://{domain}/en/"])


def _mangle_account(r: random.Random, acc: str, tags: set[str], spreadsheet: bool) -> str:
    if spreadsheet and acc.startswith("0") and r.random() < 0.8:
        tags.add("account_mangled")
        return acc.lstrip("0") or "0"
    if r.random() < 0.08:
        tags.add("account_mangled")
        return f"{acc[:4]}-{acc[4:8]}-{acc[8:]}"
    return acc


def _odoo_row(r: random.Random, c: Customer, p: dict[str, Any], tags: set[str], twin: bool) -> dict[str, Any]:
    migrated = p["created"] < MIGRATION.date()
    local_team = c.lang in ("ja", "ko", "th", "id") and c.country in ("JP", "KR", "TH", "ID")
    # partner as the rep recorded it
    short = r.choice([c.roman, c.trade, _acronym(c)] + ([native_root(c.roots, c.lang)] if
                                                          local_team and c.lang in SCRIPT_LANGS else []))
    partner, email, website, country = c.legal, None, None, COUNTRIES[c.country][0]
    if local_team and c.native and c.lang in SCRIPT_LANGS and r.random() < 0.45:
        partner = c.native
        tags.add("name_native")
    elif r.random() < 0.3:
        partner = c.trade
    if c.group and r.random() < 0.2:
        partner = c.group
        tags.add("odoo_parent_group")
    if c.reseller and r.random() < 0.7:
        partner, country = c.reseller.name, COUNTRIES[c.reseller.country][0]
        email = f"sales@{c.reseller.domain}"
        website = _url(r, c.reseller.domain) if r.random() < 0.6 else None
        tags.add("odoo_reseller")
        words = c.reseller.name.split()
        rs_short = words[1] if words[0] == "PT" else words[0]
        short = r.choice([f"{rs_short} / {short}", short, rs_short])  # rs_short alone: no end customer at all
    elif c.person and r.random() < 0.8:
        native_p, roman_p = c.person
        partner = native_p if local_team and r.random() < 0.5 else roman_p
        free = r.random() < 0.4
        dom = r.choice(FREE_MAIL.get(c.lang, FREE_MAIL["default"])) if free else c.domain
        email = f"{roman_p.split()[0].lower()}.{roman_p.split()[-1].lower()}@{dom}"
        country = country if r.random() < 0.5 else None
        tags.add("odoo_contact_person")
        if free:
            tags.add("domain_free_mail")
    else:
        if r.random() < 0.7:
            website = _url(r, c.domain if r.random() < 0.8 else c.domain.rsplit(".", 1)[0] + ".com")
        if r.random() < 0.7:
            free = r.random() < 0.12
            dom = r.choice(FREE_MAIL.get(c.lang, FREE_MAIL["default"])) if free else c.domain
            email = f"{r.choice(['it', 'info', 'procurement', 'cto', 'admin'])}@{dom}"
            if free and not website:
                tags.add("domain_free_mail")
    if r.random() < 0.1:
        country = None
    if migrated and r.random() < 0.4:
        partner = partner.upper()
        tags.add("name_upper")
    # title
    key, _n = _key(p)
    if local_team and r.random() < 0.35:
        title = _fmt(ODOO_NATIVE[c.lang][key], c.trade, p, short)
        tags.add("odoo_native_title")
    else:
        tmpl = r.choice(ODOO_TITLES[key])
        title = _fmt(tmpl, c.trade, p, short)
        if "{s}" not in tmpl or tmpl.startswith("PO-"):
            tags.add("odoo_terse")
    if r.random() < 0.04:
        title = "Website form: " + r.choice(["Contact us", "Request a quote", "Talk to an expert"])
        tags.add("odoo_terse")
    old_id = None
    if migrated and r.random() < 0.6:
        if r.random() < 0.7:
            old_id = "006" + "".join(r.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789")
                                     for _ in range(15))
            title = f"{old_id} | {title.upper() if r.random() < 0.5 else title}"
        else:
            old_id = f"HS-{r.randrange(10 ** 9, 10 ** 10)}"
            title = f"[{old_id}] {title}"
    if migrated:
        tags.add("odoo_migrated")
    # description
    roll = r.random()
    if roll < 0.40:
        desc = None
    elif roll < 0.60:
        notes = PROCESS_NOTES.get(c.lang if local_team else "en", PROCESS_NOTES["en"])
        desc = _fmt(r.choice(notes), c.trade, p)
    elif roll < 0.75:
        contact = c.person[1] if c.person else r.choice(PERSONS.get(c.lang, PERSONS["en"]))[1]
        desc = _email_thread(r, c, p, contact, email)
        tags.add("odoo_email_thread")
    else:
        desc = _fmt(r.choice(["Scope: {vm} VMs, T&M, 2 engineers.", "Fixed price, {ag} users, 8 weeks.",
                              "{acc} accounts. Discount 3% on AWS usage.", "SOW v2 sent, includes DR test.",
                              "Renewal of last year's contract, same scope."]), c.trade, p)
    if desc and migrated and r.random() < 0.7:
        desc = _html(desc)
    # money: the Odoo company's currency
    ccy, fx = ODOO_COMPANY.get(c.country, ODOO_COMPANY["SG"])
    if p["kind"] in ("resale",):
        base = r.choice([p["mrr"] * 12, p["mrr"] * 12, p["mrr"], p["mrr"] * 36])
    elif p["kind"] == "marketplace":
        base = p["fee"] * p["years"]
    else:
        base = p["fee"] if r.random() < 0.8 else p["fee"] + p["mrr"] * 12
    amount = round(base * fx, -3 if fx > 100 else 0)
    if r.random() < 0.15:
        amount = 0.0
        tags.add("amount_zero")
    elif fx != 1.0:
        tags.add("amount_local_ccy")
    # account
    acc = payer = None
    if r.random() < (0.35 if twin else 0.3):
        acc = p["account"]
        if r.random() < 0.15:
            acc = c.payer
            tags.add("account_payer")
        acc = _mangle_account(r, acc, tags, migrated or r.random() < 0.25)  # or pasted from the billing sheet
        if r.random() < 0.4:
            payer = c.reseller.payer if c.reseller else c.payer
    deadline = p["close"] if r.random() > 0.1 else None
    if deadline is None:
        tags.add("date_missing")
    created = dt.datetime.combine(p["created"], dt.time(r.randrange(1, 11), r.randrange(60), r.randrange(60)))
    if migrated and r.random() < 0.5:
        created = MIGRATION + dt.timedelta(seconds=r.randrange(0, 3600))
    if p["close"] < TODAY:
        stage = r.choices(["Won", "Lost", "Proposition"], [55, 25, 20])[0]
    else:
        stage = r.choice(["New", "Qualified", "Proposition", "Negotiation"])
    return dict(source_id=0, name=title[:500], partner_name=partner, partner_website=website,
                partner_email=email, partner_country=country, aws_account_id=acc, aws_payer_account_id=payer,
                expected_revenue=amount, date_deadline=deadline, create_date=created, description=desc,
                stage_name=stage, ace_opportunity_ref=None, _old_id=old_id, _migrated=migrated)


def _ace_company(r: random.Random, c: Customer, tags: set[str]) -> str:
    if c.group and r.random() < 0.35:
        tags.add("ace_parent_group")
        return c.group
    roll = r.random()
    if c.native and c.lang in SCRIPT_LANGS and roll < 0.12:
        tags.add("name_native")
        return c.native
    if roll < 0.67:
        name = c.legal
    elif roll < 0.87:
        tags.add("name_trade")
        name = c.trade
    elif roll < 0.92:
        tags.add("name_acronym")
        name = _acronym(c) + r.choice(["", " " + COUNTRIES[c.country][0], " Group"])
    else:
        name = c.legal
    if c.lang in SCRIPT_LANGS and c.group is None and r.random() < 0.25:
        name = name.replace(c.roman, translit_variant(r, c.roots, c.lang))
        tags.add("name_translit")
    if r.random() < 0.05:
        name = _typo(r, name)
        tags.add("name_typo")
    return name


def _ace_row(r: random.Random, c: Customer, p: dict[str, Any], tags: set[str], odoo_title: str | None
             ) -> dict[str, Any]:
    key, _n = _key(p)
    spec = KINDS[p["kind"]]
    company = _ace_company(r, c, tags)
    roll = r.random()
    native = c.lang not in ("en",) and roll < 0.20 and c.lang in NATIVE_TITLES[key]
    if native:
        title = _fmt(NATIVE_TITLES[key][c.lang], company, p)
        tags.add("ace_native_title")
    elif roll < 0.40:
        title = r.choice([f"{company} - AWS Opportunity", f"{company} Opportunity", "New Opportunity",
                          f"{company} {p['created'].year}"])
        tags.add("ace_boilerplate")
    elif roll < 0.50 and odoo_title:
        title = odoo_title
        tags.add("ace_copy_title")
    else:
        title = _fmt(r.choice(ACE_TITLES[key]), company, p)
    desc = _fmt(ACE_DESC[key], company, p)
    if native and r.random() < 0.5:
        desc = f"{title}。{desc}" if c.lang in ("ja", "zh") else f"{title}. {desc}"
    # website and contact
    site = _url(r, c.domain)
    roll = r.random()
    if roll < 0.12:
        site = r.choice(JUNK_SITES).format(slug=c.roman.lower())
        tags.add("domain_junk")
    elif roll < 0.32:
        stem = c.domain.split(".")[0]
        site = _url(r, r.choice([f"{stem}.com", f"{stem}.{COUNTRIES[c.country][2][0]}",
                                 f"{c.country.lower()}.{stem}.com"]))
        tags.add("domain_cctld")
    elif roll < 0.37:
        site = None
    roll = r.random()
    person = c.person[1] if c.person else r.choice(PERSONS.get(c.lang, PERSONS["en"]))[1]
    if roll < 0.10:
        email = r.choice(ALLIANCE_LEADS)
        tags.add("domain_alliance_lead")
    elif roll < 0.65:
        email = f"{person.split()[0].lower()}@{c.domain}"
    elif roll < 0.75:
        email = f"{person.split()[0].lower()}{r.randint(1, 99)}@{r.choice(FREE_MAIL.get(c.lang, FREE_MAIL['default']))}"
        if "domain_junk" in tags or site is None:
            tags.add("domain_free_mail")
    else:
        email = None
    # lifecycle
    if p["close"] < TODAY:
        stage = "Closed Lost" if r.random() < 0.4 else "Launched"
    else:
        stage = r.choice(["Prospect", "Qualified", "Technical Validation", "Business Validation", "Committed"])
    status = r.choices(["Approved", "Action Required", "Draft", "Rejected"], [84, 4, 3, 7])[0]
    if status == "Draft":
        stage = "Prospect"
    if stage == "Closed Lost":
        tags.add("ace_closed_lost")
    # account: mostly once launched
    acc = None
    if r.random() < (0.7 if stage == "Launched" else 0.25):
        acc = p["account"]
        if c.reseller and r.random() < 0.3:
            acc = c.reseller.payer
            tags.add("account_reseller_payer")
        elif r.random() < 0.15:
            acc = c.payer
            tags.add("account_payer")
        acc = _mangle_account(r, acc, tags, r.random() < 0.2)
    mrr = p["mrr"]
    if r.random() < 0.08:
        mrr = r.choice([1, 100, 1000])
        tags.add("amount_zero")
    if p["kind"] == "marketplace":
        tags.add("marketplace")
    return dict(source_id="", name=title[:500], account_name=company, domain=site, customer_email=email,
                country=COUNTRIES[c.country][0], aws_account=acc, project_budget=float(mrr), close_date=p["close"],
                aws_create_date=None, status=status, partner_acceptance_status=None, use_case=spec["uc"],
                aws_products=spec["products"], delivery_model=spec["dm"], project_description=desc,
                partner_crm_unique_identifier=None, stage=stage)


def _pending(row: dict[str, Any]) -> bool:
    """Only a recent AWS referral can still be pending: older ones were accepted or expired (acceptBy)."""
    return row["aws_create_date"] >= dt.datetime.combine(TODAY - dt.timedelta(days=120), dt.time(0))


def _mask(row: dict[str, Any]) -> None:
    """A pending AWS referral: Partner Central masks customer PII until the partner accepts."""
    row.update(name="Accept to View", account_name="Accept to View", customer_email="Accept to View",
               country="Accept to View", domain=None, aws_account=None, project_budget=None, status=None,
               partner_acceptance_status=None, stage="Prospect")


def _crm_form(r: random.Random, oid: int) -> str:
    return r.choice([str(oid), f"ODOO-{oid}", f"crm.lead,{oid}", f" {oid}",
                     f"https://erp.{PARTNER_DOMAIN}/web#id={oid}&model=crm.lead&view_type=form", f"OPP{oid}"])


def _ace_ref_form(r: random.Random, aid: str) -> str:
    return r.choice([aid, aid.lower(), f"ACE {aid}", f"https://partnercentral.awspartner.com/"
                     f"PartnerCentralOpportunityDetail?id={aid}", aid + " "])


# -- the benchmark -----------------------------------------------------------------------------------------

def generate(customers: int = 200, seed: int = 41) -> Blind2Benchmark:
    """The benchmark for one seed: deterministic, and no customer shared with another seed."""
    if not 0 <= seed < MAX_SEEDS:
        raise ValueError(f"seed must be in [0, {MAX_SEEDS}), got {seed}")
    if not 1 <= customers <= MAX_CUSTOMERS:
        raise ValueError(f"customers must be in [1, {MAX_CUSTOMERS}], got {customers}")
    r = random.Random(f"blind2:{seed}")
    custs, _resellers = _customers(r, seed, customers)
    odoo: list[dict[str, Any]] = []
    ace: list[dict[str, Any]] = []
    pairs: list[tuple[int, int, set[str]]] = []  # odoo index, ace index, tags
    odoo_dups: dict[int, int] = {}  # twin odoo index -> duplicate odoo index
    ace_dups: dict[int, int] = {}  # twin ace index -> rejected duplicate ace index
    siblings_of: dict[int, list[int]] = {}  # pair index -> other pair indexes of the customer
    owner_o: list[int] = []
    owner_a: list[int] = []
    for c in custs:
        c.projects = _projects(r, c)
        for p in c.projects:
            p["country"] = c.country
            if c.presence == "both":
                p["side"] = r.choices(["both", "odoo", "ace"], [50, 30, 20])[0]
            else:
                p["side"] = c.presence
        if c.presence == "both" and not any(p["side"] == "both" for p in c.projects):
            c.projects[0]["side"] = "both"
        first = len(pairs)
        twin_counts: dict[str, int] = {}
        for p in c.projects:
            if p["side"] == "both":
                twin_counts[p["kind"]] = twin_counts.get(p["kind"], 0) + 1
        n_twins = sum(twin_counts.values())
        for p in c.projects:
            tags: set[str] = set()
            oi = ai = None
            if p["side"] in ("both", "odoo"):
                o = _odoo_row(r, c, p, tags, p["side"] == "both")
                oi = len(odoo)
                odoo.append(o)
                owner_o.append(c.key)
            a_tags: set[str] = set()
            if p["side"] in ("both", "ace"):
                a = _ace_row(r, c, p, a_tags, odoo[oi]["name"] if oi is not None else None)
                ai = len(ace)
                ace.append(a)
                owner_a.append(c.key)
                if oi is not None:
                    o_created = odoo[oi]["create_date"]
                    base = dt.datetime.combine(p["created"], dt.time(9))
                    if r.random() < 0.12:
                        a["aws_create_date"] = base - dt.timedelta(days=r.randint(5, 60), hours=r.randrange(24))
                        a["partner_acceptance_status"] = "Accepted"
                        a_tags.add("aws_referral")
                    else:
                        a["aws_create_date"] = base + dt.timedelta(days=r.randint(0, 45), hours=r.randrange(24))
                    if a["aws_create_date"] > dt.datetime.combine(TODAY, dt.time(0)):
                        a["aws_create_date"] = max(o_created, dt.datetime.combine(TODAY, dt.time(0))
                                                   - dt.timedelta(days=1))
                    # close dates drift: ACE target dates cannot be in the past when saved
                    roll = r.random()
                    shift = (r.randint(-14, 14) if roll < 0.45 else r.choice([-1, 1, 1]) * r.randint(15, 90)
                             if roll < 0.80 else r.choice([-1, 1, 1, 1]) * r.randint(91, 400))
                    a["close_date"] = p["close"] + dt.timedelta(days=shift)
                    if abs(shift) > 90:
                        a_tags.add("date_far")
                    if _pending(a) and r.random() < 0.3:  # masked: the company's fields are gone, so are their tags
                        _mask(a)
                        a["aws_create_date"] = base - dt.timedelta(days=r.randint(1, 20))
                        a_tags = {t for t in a_tags if t in ("date_far", "marketplace")}
                        a_tags.update({"ace_masked", "aws_referral"})
                    elif a["status"] == "Rejected":
                        a_tags.add("ace_rejected")
                    tags |= a_tags
                else:
                    a["aws_create_date"] = dt.datetime.combine(p["created"], dt.time(r.randrange(24)))
                    if _pending(a) and r.random() < 0.3:
                        _mask(a)
                    elif r.random() < 0.3:
                        a["partner_acceptance_status"] = "Accepted"
            if oi is not None and ai is not None:
                tags.discard("account_one_side")
                o, a = odoo[oi], ace[ai]
                if o["aws_account_id"] and a["aws_account"]:
                    if o["aws_account_id"].replace("-", "").zfill(12) == a["aws_account"].replace("-", "").zfill(12):
                        tags.add("account_both")
                elif o["aws_account_id"] or a["aws_account"]:
                    tags.add("account_one_side")
                if n_twins > 1:
                    tags.add("siblings")
                    if twin_counts[p["kind"]] > 1:
                        tags.add("programme")
                        if p["kind"] in ("resale", "managed"):
                            tags.add("renewal_same_title")
                if c.group:
                    tags.add("group_member")
                if c.lookalike_of is not None or any(x.lookalike_of == c.key for x in custs):
                    tags.add("lookalike")
                pairs.append((oi, ai, tags))
                # a duplicate Odoo lead for the same project (not the twin)
                if r.random() < 0.10:
                    d = dict(o)
                    form = r.choice(DEDUP_FORMS)
                    d["name"] = form.format(n=o["partner_name"] or c.trade, t=o["name"], cc=c.country)
                    d["create_date"] = o["create_date"] - dt.timedelta(days=r.randint(0, 30), minutes=r.randint(1, 600))
                    d["expected_revenue"] = r.choice([0.0, o["expected_revenue"]])
                    d["stage_name"] = "New"
                    d["description"] = None if r.random() < 0.6 else o["description"]
                    d["aws_account_id"] = None
                    odoo_dups[len(pairs) - 1] = len(odoo)
                    odoo.append(d)
                    owner_o.append(c.key)
                    tags.add("odoo_dup")
                # a Rejected duplicate submission beside the live twin
                if a["status"] not in ("Rejected", None) and r.random() < 0.06:
                    d = dict(a)
                    d["status"], d["stage"] = "Rejected", "Prospect"
                    d["aws_create_date"] = a["aws_create_date"] - dt.timedelta(days=r.randint(1, 40))
                    d["name"] = a["name"] if r.random() < 0.5 else _fmt(r.choice(ACE_TITLES[_key(p)[0]]), c.trade, p)
                    ace_dups[len(pairs) - 1] = len(ace)
                    ace.append(d)
                    owner_a.append(c.key)
                    tags.add("ace_rejected_dup")
            elif ai is not None and ace[ai]["aws_create_date"] is None:
                ace[ai]["aws_create_date"] = dt.datetime.combine(p["created"], dt.time(12))
        for i in range(first, len(pairs)):
            siblings_of[i] = [j for j in range(first, len(pairs)) if j != i]
    # ids: increasing with creation time on each side, with gaps (other teams' records)
    o_ids = _ids(r, [o["create_date"] for o in odoo], seed * 200_000 + 10_000)
    a_ids = _ids(r, [a["aws_create_date"] for a in ace], seed * 5_000_000 + 1_000_000)
    for o, i in zip(odoo, o_ids):
        o["source_id"] = i
    for a, i in zip(ace, a_ids):
        a["source_id"] = f"O{i}"
    # exact ids, now that ids exist
    for k, (oi, ai, tags) in enumerate(pairs):
        o, a = odoo[oi], ace[ai]
        if a["name"] == "Accept to View":
            continue
        a_created = a["aws_create_date"].date()
        p_id = 0.45 if a_created >= CONNECTOR_SINCE else 0.05
        if o["_old_id"] and a_created < MIGRATION.date() and r.random() < 0.5:
            a["partner_crm_unique_identifier"] = o["_old_id"]
            tags.add("id_crm_oldcrm")
        elif r.random() < p_id:
            target = o["source_id"]
            if r.random() < 0.12:
                others = [odoo[pairs[j][0]]["source_id"] for j in siblings_of[k]]
                if k in odoo_dups:
                    others.append(odoo[odoo_dups[k]]["source_id"])
                if others:
                    target = r.choice(others)
            a["partner_crm_unique_identifier"] = _crm_form(r, target)
            tags.add("id_crm" if target == o["source_id"] else "id_crm_stale")
            if k in ace_dups and r.random() < 0.5:
                ace[ace_dups[k]]["partner_crm_unique_identifier"] = a["partner_crm_unique_identifier"]
        if o["create_date"].date() >= ACE_FIELD_SINCE and r.random() < 0.25:
            ref = a["source_id"]
            if r.random() < 0.10:
                others = [ace[pairs[j][1]]["source_id"] for j in siblings_of[k]]
                if k in ace_dups:
                    others.append(ace[ace_dups[k]]["source_id"])
                ref = r.choice(others) if others else ref[:-1] + str((int(ref[-1]) + 1) % 10)
            o["ace_opportunity_ref"] = _ace_ref_form(r, ref)
            tags.add("id_odoo_ref" if ref == a["source_id"] else "id_odoo_ref_wrong")
    # an Odoo-only lead of a customer with twins may carry a twin's ACE id (a lead copied with its fields): noise
    twin_ace_of = {}
    for oi, ai, _tags in pairs:
        twin_ace_of.setdefault(owner_o[oi], []).append(ace[ai]["source_id"])
    twins_o = {oi for oi, _, _ in pairs}
    for i, o in enumerate(odoo):
        if (i not in twins_o and owner_o[i] in twin_ace_of and o["create_date"].date() >= ACE_FIELD_SINCE
                and r.random() < 0.05):
            o["ace_opportunity_ref"] = _ace_ref_form(r, r.choice(twin_ace_of[owner_o[i]]))
    for o in odoo:
        o.pop("_old_id")
        o.pop("_migrated")
    truth = []
    for oi, ai, tags in pairs:
        truth.append((str(odoo[oi]["source_id"]), ace[ai]["source_id"], ";".join(sorted(tags)) or "plain"))
    owner = {f"odoo:{o['source_id']}": k for o, k in zip(odoo, owner_o)}
    owner.update({f"ace:{a['source_id']}": k for a, k in zip(ace, owner_a)})
    odoo_sorted = sorted(odoo, key=lambda o: o["source_id"])
    ace_sorted = sorted(ace, key=lambda a: a["source_id"])
    return Blind2Benchmark(odoo=odoo_sorted, ace=ace_sorted, truth=truth, customers=custs, owner=owner)


def _ids(r: random.Random, created: list[dt.datetime], start: int) -> list[int]:
    """Ids that grow with the creation time (ties broken by generation order), with random gaps."""
    order = sorted(range(len(created)), key=lambda i: (created[i], i))
    ids = [0] * len(created)
    cur = start
    for i in order:
        cur += r.randint(1, 25)
        ids[i] = cur
    return ids


def build(settings: Any, db: Any, customers: int = 200, seed: int = 41, truth_path: Path | None = None
          ) -> Blind2Benchmark:
    """Load one seed into the (empty) warehouse's core tables and embed it: ready for `partner_sync match`."""
    bench = load_and_embed(settings, db, generate(customers, seed), "the second blind benchmark", truth_path)
    assert isinstance(bench, Blind2Benchmark)
    return bench
