"""A blind matching benchmark: Odoo opportunities and their ACE twins written independently of the matcher.

Evaluation only: never train on it, never tune a threshold on it. It was written from the issue's list of
real-partner phenomena, the Odoo 17 / Partner Central references and how AWS partners keep CRM and ACE in
practice, without reading the matcher, its texts or the other generators' logic. Output: hard_match's
`Benchmark` (odoo rows, ace rows, truth triples with ';'-joined tags), loaded with hard_match's `load()`.

Proportions (a mid-size AWS partner, ~200 active customers, a few hundred opportunities a year; why):
- Customers: 70% known on both sides, 17% Odoo only (website/event leads, services-only deals never
  registered in ACE), 13% ACE only (AWS referrals nobody copied into the CRM, other teams' registrations).
  5% of customers are lookalikes: another customer's trade name in another country, unrelated firm.
- Projects per shared customer: 1 (40%), 2 (25%), 3-4 (22%), 5-8 (13%): large accounts run programmes
  (MAP assess/mobilize/migrate waves, data phases, GenAI PoC->pilot->production, SAP migrate->run, yearly
  managed-services renewals) that produce near-identical siblings with the same company, domain and account.
- Per project of a shared customer: both sides 58%, Odoo only 27% (small deals, lost early, not co-sold),
  ACE only 15% (AWS referrals, registrations by another region). So roughly half of each side is noise.
- ACE Rejected duplicate submissions next to the live one: 7% of twins; pending AWS referrals masked as
  'Accept to View': 2% of twins plus a few ACE-only ones.
- ACE `partner_crm_unique_identifier`: 35% of twins (partners with a CRM integration), in six forms; 15% of
  those stale (a sibling's id or a merged lead's). Odoo custom field with the ACE id: 12% (5% of those stale).
- Names: ACE names entered by another person, so variants are the norm: legal form dropped/changed,
  ALL CAPS (AWS-sourced), parent group, "(formerly X)", acronyms, typos, stripped accents, native script vs
  romanisation for ja/ko/zh-TW. Odoo partner is a contact person on 12%, a reseller/distributor on 6%.
- Websites/e-mails: ACE website junk 15% (validation is only a length), ACE contact defaulted to the
  partner's own alliance lead 12% (so many unrelated ACE rows share the partner's domain), free mail on both
  sides (gmail, but also web.de, naver.com, qq.com, uol.com.br), ccTLD vs .com, subdomains.
- AWS accounts: ACE fills one mostly at Launched; payer instead of linked, reseller payer shared by unrelated
  customers, 11 digits when a leading zero was lost, dashes.
- Texts: Odoo titles are shorthand ("BKS - DL Ph1", "OPP-2025-0042 ...", "Website form: ...", "Renewal
  2025"); 45% of Odoo descriptions empty, 20% process notes. ACE titles are AWS boilerplate 30%, descriptive
  English 40%, the customer's language 15% of non-English customers, a copy of the CRM title 10%.
- Dates and money: close dates +-7 days (40%) up to 360 days (10%) apart; referrals created in ACE first;
  Odoo amounts as services fee, TCV, annual, zero, or in the local company's currency (JPY, KRW, INR, BRL,
  MXN, TRY); ACE amounts are monthly AWS revenue in USD, sometimes the placeholder 0 or 1.

Customer names come from a per-language brand space (root x sector x qualifier), a seed owns its own slice
of it, so different seeds (0 <= seed < MAX_SEEDS) share no customers; Odoo ids and ACE ids come from the seed.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from partner_sync.dev.demo.hard_match import Benchmark, load_and_embed

MAX_SEEDS = 32
OUR_DOMAIN = "nordwolke-consulting.io"  # the partner itself: ACE defaults the contact to its alliance lead

# Every tag a truth pair can carry (the test checks truth tags against this list).
TAGS = {
    "plain": "no listed difficulty",
    "siblings": "the customer has 2+ twin projects",
    "programme_siblings": "a sibling of the same programme (MAP phases, data phases, renewals...) is a twin too",
    "odoo_terse": "Odoo title carries no project words (form lead, 'Renewal 2025', 'X's opportunity', OPP-no)",
    "odoo_no_text": "Odoo has no description",
    "ace_boilerplate": "ACE title is AWS boilerplate ('AWS Migration - ACME')",
    "ace_crm_copy": "ACE title copied from the CRM title",
    "ace_foreign_lang": "ACE title/description in the customer's language, Odoo not",
    "odoo_foreign_lang": "Odoo text in the customer's language, ACE not",
    "name_script": "native script on one side, romanisation on the other (ja/ko/zh-TW)",
    "name_caps": "ACE account name in ALL CAPS",
    "name_formerly": "renamed company, '(formerly X)' or old name on one side",
    "name_parent": "ACE account is the parent group",
    "name_acronym": "acronym on one side",
    "name_typo": "typo in one name",
    "name_accents": "accents stripped / umlaut transliterated on one side",
    "name_legal_form": "legal form differs (dropped, local vs English)",
    "odoo_contact_person": "Odoo partner is a contact person ('Acme, Jane Doe' or just the person)",
    "odoo_reseller": "Odoo partner is the reseller/distributor",
    "domain_junk": "ACE website is junk",
    "domain_tld": "ccTLD vs .com",
    "domain_subdomain": "subdomain on one side",
    "domain_free_mail": "free-mail only on one side",
    "domain_alliance_lead": "ACE contact e-mail is the partner's alliance lead",
    "domain_missing": "no domain on one side",
    "account_one_side": "AWS account on one side only",
    "account_payer": "payer account on one side, linked on the other",
    "account_reseller_payer": "ACE account is the reseller's payer (shared by unrelated customers)",
    "account_mangled": "11 digits (lost leading zero) or dashes",
    "account_other": "another of the customer's accounts",
    "id_crm": "ACE partner_crm_unique_identifier names the twin",
    "id_stale": "an id on either side names another opportunity",
    "id_odoo_field": "Odoo's ACE-id field names the twin",
    "ace_rejected_dup": "a Rejected duplicate submission of the same project exists",
    "ace_masked": "the ACE twin is a pending AWS referral ('Accept to View')",
    "ace_not_approved": "ACE review status not Approved (Submitted, In review, Action Required, Draft)",
    "date_far": "close dates > 90 days apart",
    "date_missing": "no close date on Odoo",
    "referral_first": "ACE created before Odoo (AWS referral)",
    "amount_currency": "Odoo amount in a non-USD/EUR local currency",
    "amount_missing": "Odoo amount zero/empty or ACE placeholder",
    "country_missing": "no country on one side",
    "country_code": "ACE country as ISO code",
    "lookalike": "an unrelated customer with the same trade name exists in another country",
}

# -- the world: languages, countries, brands ------------------------------------------------------
# language: (roots, sectors, qualifiers); CJK entries are (native, romanised)
LANG: dict[str, tuple[list, list, list]] = {
    "de": (["Brandt", "Krüger", "Weißhaupt", "Hößl", "Lindner", "Ostermann", "Falkenberg", "Zöllner", "Reuß",
            "Bergmann", "Thalheim", "Kessler", "Großmann", "Eichhorn", "Wendt", "Mühlbauer", "Seidl", "Haas",
            "Rottmann", "Schäfer", "Vogt", "Dürr", "Lorenz", "Albrecht"],
           ["Kältetechnik", "Logistik", "Maschinenbau", "Versicherungen", "Brauerei", "Elektrotechnik",
            "Verpackung", "Automobiltechnik", "Medizintechnik", "Bau", "Handelshaus", "Stahlwerk"],
           ["", "Süd", "Nord", "Holding", "International", "Ost", "& Söhne", "Digital", "Service", "West"]),
    "fr": (["Lefèvre", "Dubois", "Moreau", "Girard", "Bérenger", "Lacroix", "Fontaine", "Chevalier", "Rousseau",
            "Mercier", "Gauthier", "Perrin", "Arnaud", "Benoît", "Clément", "Duval", "Fabre", "Garnier",
            "Hébert", "Joubert", "Lemaître", "Marchand", "Noël", "Pélissier"],
           ["Transports", "Assurances", "Énergie", "Distribution", "Pharmacie", "Bâtiment", "Alimentaire",
            "Industries", "Télécom", "Immobilier", "Chimie", "Textile"],
           ["", "Sud", "Nord", "Groupe", "International", "Atlantique", "Services", "Ouest", "& Fils", "Est"]),
    "es": (["Valdés", "Ibáñez", "Castañeda", "Ortega", "Muñoz", "Herrera", "Salazar", "Domínguez", "Quiroga",
            "Beltrán", "Cortés", "Fuentes", "Galindo", "Jiménez", "Larrañaga", "Medina", "Núñez", "Olmedo",
            "Peña", "Ramírez", "Sandoval", "Téllez", "Urquiza", "Zamora"],
           ["Logística", "Seguros", "Alimentos", "Construcciones", "Farmacéutica", "Energía", "Transportes",
            "Inmobiliaria", "Textiles", "Comercial", "Minería", "Telecomunicaciones"],
           ["", "del Norte", "del Sur", "Grupo", "Internacional", "Hermanos", "Servicios", "del Pacífico",
            "Digital", "Global"]),
    "pt": (["Araújo", "Gonçalves", "Magalhães", "Conceição", "Barbosa", "Cardoso", "Figueiredo", "Loureiro",
            "Monteiro", "Nogueira", "Pimentel", "Queiroz", "Rebelo", "Sampaio", "Teixeira", "Vasconcelos",
            "Azevedo", "Brandão", "Coelho", "Damasceno", "Esteves", "Falcão", "Guimarães", "Lacerda"],
           ["Logística", "Seguros", "Alimentos", "Construtora", "Farmacêutica", "Energia", "Transportes",
            "Agronegócio", "Têxtil", "Comércio", "Mineração", "Telecom"],
           ["", "do Sul", "do Norte", "Participações", "Internacional", "Irmãos", "Serviços", "Nordeste",
            "Digital", "Brasil"]),
    "it": (["Bianchi", "Colombo", "Ferrara", "Galli", "Lombardi", "Marchetti", "Negri", "Orlando", "Pellegrini",
            "Rinaldi", "Santoro", "Testa", "Valentini", "Zanetti", "Barbieri", "Caruso", "De Luca", "Fabbri",
            "Gentile", "Leone", "Mancini", "Moretti", "Ricci", "Sartori"],
           ["Trasporti", "Assicurazioni", "Alimentari", "Costruzioni", "Farmaceutici", "Energia", "Meccanica",
            "Immobiliare", "Tessile", "Commerciale", "Acciaierie", "Telecomunicazioni"],
           ["", "Nord", "Sud", "Holding", "Internazionale", "& Figli", "Servizi", "Adriatica", "Digitale", "Centro"]),
    "nl": (["De Vries", "Van Dijk", "Bakker", "Janssen", "Visser", "Smit", "Mulder", "De Boer", "Vermeulen",
            "Van den Berg", "Hendriks", "Dekker", "Brouwer", "De Wit", "Kuipers", "Veenstra", "Post", "Schouten",
            "Van Leeuwen", "Willems", "Koster", "Prins", "Huisman", "Maas"],
           ["Logistiek", "Verzekeringen", "Voeding", "Bouw", "Farma", "Energie", "Transport", "Vastgoed",
            "Techniek", "Handel", "Havenbedrijf", "Installaties"],
           ["", "Noord", "Zuid", "Holding", "International", "Groep", "Diensten", "Oost", "Digitaal", "West"]),
    "sv": (["Åkesson", "Björklund", "Ekström", "Håkansson", "Lindqvist", "Nyström", "Sjöberg", "Wästberg",
            "Öhman", "Bergström", "Dahlgren", "Forsberg", "Grönlund", "Hedlund", "Isaksson", "Jönsson",
            "Källström", "Löfgren", "Malmqvist", "Norén", "Persson", "Rosén", "Sundqvist", "Törnqvist"],
           ["Logistik", "Försäkring", "Livsmedel", "Bygg", "Läkemedel", "Energi", "Transport", "Fastigheter",
            "Verkstad", "Handel", "Skog", "Stål"],
           ["", "Norr", "Syd", "Holding", "International", "Gruppen", "Service", "Väst", "Digital", "Öst"]),
    "tr": (["Yıldız", "Çelik", "Şahin", "Öztürk", "Aydın", "Kılıç", "Doğan", "Arslan", "Koç", "Güneş",
            "Erdoğdu", "Başaran", "Çakır", "Işık", "Karagöz", "Özkan", "Polat", "Sarı", "Tuncel", "Uçar",
            "Yavuz", "Zorlu", "Akgün", "Bilgiç"],
           ["Lojistik", "Sigorta", "Gıda", "İnşaat", "İlaç", "Enerji", "Taşımacılık", "Gayrimenkul", "Tekstil",
            "Ticaret", "Madencilik", "Otomotiv"],
           ["", "Anadolu", "Ege", "Holding", "Uluslararası", "Grup", "Hizmetleri", "Marmara", "Dijital", "Karadeniz"]),
    "en": (["Hartwell", "Ashford", "Blackwood", "Carrington", "Davenport", "Ellsworth", "Fairbanks", "Greystone",
            "Holloway", "Kingsley", "Langford", "Mercer", "Northgate", "Pemberton", "Redfield", "Stanton",
            "Thornbury", "Underwood", "Whitmore", "Yardley", "Brightwater", "Copperfield", "Silverline", "Oakridge"],
           ["Logistics", "Insurance", "Foods", "Construction", "Pharmaceuticals", "Energy", "Freight", "Properties",
            "Engineering", "Retail", "Mining", "Telecom"],
           ["", "North", "South", "Holdings", "International", "Group", "Services", "Pacific", "Digital", "West"]),
    "hi": (["Agarwal", "Bhatia", "Chandra", "Deshpande", "Goenka", "Iyer", "Joshi", "Kapoor", "Kulkarni", "Mehta",
            "Nair", "Patil", "Rao", "Saxena", "Thakkar", "Venkatesh", "Banerjee", "Chatterjee", "Dutta", "Ghosh",
            "Malhotra", "Reddy", "Sinha", "Trivedi"],
           ["Logistics", "Insurance", "Foods", "Infra", "Pharma", "Power", "Transport", "Realty", "Textiles",
            "Traders", "Steel", "Infotech"],
           ["", "South", "North", "Holdings", "International", "Group", "Services", "Eastern", "Digital", "Western"]),
    "ja": ([("山田", "Yamada"), ("北斗", "Hokuto"), ("大和", "Yamato"), ("東邦", "Toho"), ("富士見", "Fujimi"),
            ("三光", "Sanko"), ("日進", "Nisshin"), ("旭", "Asahi"), ("昭和", "Showa"), ("中央", "Chuo"),
            ("松本", "Matsumoto"), ("若葉", "Wakaba"), ("高橋", "Takahashi"), ("千代田", "Chiyoda"),
            ("青葉", "Aoba"), ("丸紅", "Marubeni"), ("瑞穂", "Mizuho"), ("栄光", "Eiko"), ("明星", "Myojo"),
            ("関東", "Kanto"), ("白鳥", "Shiratori"), ("宮城", "Miyagi"), ("大阪", "Osaka"), ("桜井", "Sakurai")],
           [("電機", "Denki"), ("物流", "Butsuryu"), ("食品", "Shokuhin"), ("建設", "Kensetsu"), ("製薬", "Seiyaku"),
            ("運輸", "Unyu"), ("商事", "Shoji"), ("化学", "Kagaku"), ("精機", "Seiki"), ("不動産", "Fudosan"),
            ("工業", "Kogyo"), ("通信", "Tsushin")],
           [("", ""), ("ホールディングス", "Holdings"), ("東日本", "Higashi Nihon"), ("西日本", "Nishi Nihon"),
            ("システムズ", "Systems"), ("サービス", "Service"), ("インターナショナル", "International"),
            ("販売", "Hanbai"), ("テクノ", "Techno"), ("ソリューションズ", "Solutions")]),
    "ko": ([("한빛", "Hanbit"), ("대성", "Daesung"), ("세진", "Sejin"), ("동아", "Dong-A"), ("미래", "Mirae"),
            ("한울", "Hanul"), ("신화", "Shinhwa"), ("태평양", "Taepyeongyang"), ("우리", "Woori"), ("금강", "Kumkang"),
            ("청호", "Chungho"), ("대한", "Daehan"), ("선진", "Sunjin"), ("일신", "Ilshin"), ("광명", "Kwangmyung"),
            ("새한", "Saehan"), ("동원", "Dongwon"), ("백산", "Baeksan"), ("영진", "Youngjin"), ("한길", "Hangil"),
            ("성원", "Sungwon"), ("삼진", "Samjin"), ("유니", "Uni"), ("오성", "Osung")],
           [("물류", "Logistics"), ("전자", "Electronics"), ("식품", "Foods"), ("건설", "E&C"), ("제약", "Pharm"),
            ("에너지", "Energy"), ("해운", "Shipping"), ("화학", "Chemical"), ("정밀", "Precision"), ("통신", "Telecom"),
            ("산업", "Industrial"), ("유통", "Distribution")],
           [("", ""), ("홀딩스", "Holdings"), ("글로벌", "Global"), ("시스템", "System"), ("테크", "Tech"),
            ("네트웍스", "Networks"), ("솔루션", "Solution"), ("인터내셔널", "International"), ("서비스", "Service"),
            ("디지털", "Digital")]),
    "zh": ([("華遠", "Huayuan"), ("台達", "Taida"), ("宏達", "Hongda"), ("永豐", "Yongfeng"), ("國泰", "Guotai"),
            ("南山", "Nanshan"), ("遠東", "Far Eastern"), ("長榮", "Changrong"), ("大同", "Tatung"), ("新光", "Shinkong"),
            ("統一", "Tongyi"), ("和泰", "Hotai"), ("信義", "Sinyi"), ("中華", "Zhonghua"), ("瑞昱", "Ruiyu"),
            ("聯華", "Lianhua"), ("正新", "Zhengxin"), ("東元", "Dongyuan"), ("光寶", "Guangbao"), ("友達", "Youda"),
            ("欣興", "Xinxing"), ("華新", "Huaxin"), ("力晶", "Lijing"), ("群光", "Qunguang")],
           [("物流", "Logistics"), ("電子", "Electronics"), ("食品", "Foods"), ("營造", "Construction"),
            ("製藥", "Pharmaceutical"), ("能源", "Energy"), ("海運", "Marine"), ("化工", "Chemical"),
            ("精密", "Precision"), ("電信", "Telecom"), ("工業", "Industrial"), ("百貨", "Department Store")],
           [("", ""), ("控股", "Holdings"), ("國際", "International"), ("科技", "Technology"), ("資訊", "Information"),
            ("實業", "Enterprise"), ("開發", "Development"), ("系統", "Systems"), ("投資", "Investment"),
            ("數位", "Digital")]),
}
# code: (English name, language, ccTLD, local legal forms, English legal form, currency, weight)
COUNTRIES = {
    "DE": ("Germany", "de", "de", ["GmbH", "AG", "GmbH & Co. KG", "SE"], "GmbH", None, 15),
    "AT": ("Austria", "de", "at", ["GmbH", "AG"], "GmbH", None, 4),
    "CH": ("Switzerland", "de", "ch", ["AG", "GmbH"], "AG", None, 3),
    "FR": ("France", "fr", "fr", ["SAS", "SA", "SARL"], "SAS", None, 8),
    "ES": ("Spain", "es", "es", ["S.L.", "S.A."], "S.L.", None, 6),
    "MX": ("Mexico", "es", "com.mx", ["S.A. de C.V.", "S. de R.L. de C.V."], "S.A. de C.V.", ("MXN", 17.0), 5),
    "BR": ("Brazil", "pt", "com.br", ["Ltda.", "S.A."], "Ltda.", ("BRL", 5.0), 7),
    "PT": ("Portugal", "pt", "pt", ["Lda.", "S.A."], "Lda.", None, 2),
    "IT": ("Italy", "it", "it", ["S.r.l.", "S.p.A."], "S.p.A.", None, 6),
    "NL": ("Netherlands", "nl", "nl", ["B.V.", "N.V."], "B.V.", None, 4),
    "SE": ("Sweden", "sv", "se", ["AB"], "AB", None, 3),
    "TR": ("Turkey", "tr", "com.tr", ["A.Ş.", "Ltd. Şti."], "A.S.", ("TRY", 32.0), 3),
    "GB": ("United Kingdom", "en", "co.uk", ["Ltd", "Limited", "plc"], "Ltd", None, 6),
    "US": ("United States", "en", "com", ["Inc.", "LLC", "Corp."], "Inc.", None, 7),
    "AU": ("Australia", "en", "com.au", ["Pty Ltd", "Pty. Limited"], "Pty Ltd", None, 3),
    "IN": ("India", "hi", "in", ["Pvt. Ltd.", "Private Limited", "Ltd."], "Pvt. Ltd.", ("INR", 83.0), 7),
    "JP": ("Japan", "ja", "co.jp", ["株式会社"], "Co., Ltd.", ("JPY", 150.0), 7),
    "KR": ("South Korea", "ko", "co.kr", ["주식회사", "(주)"], "Co., Ltd.", ("KRW", 1350.0), 5),
    "TW": ("Taiwan", "zh", "com.tw", ["股份有限公司"], "Co., Ltd.", ("TWD", 32.0), 3),
}
LOOKALIKE_COUNTRIES = ["IN", "BR", "US", "MX", "GB", "AU"]
FREE_MAIL = {"de": ["gmx.de", "web.de", "gmail.com"], "fr": ["orange.fr", "gmail.com", "hotmail.fr"],
             "es": ["gmail.com", "hotmail.es"], "pt": ["uol.com.br", "gmail.com", "bol.com.br"],
             "it": ["libero.it", "gmail.com"], "nl": ["ziggo.nl", "gmail.com"], "sv": ["telia.com", "gmail.com"],
             "tr": ["gmail.com", "yandex.com.tr"], "en": ["gmail.com", "outlook.com", "yahoo.com"],
             "hi": ["gmail.com", "rediffmail.com"], "ja": ["yahoo.co.jp", "gmail.com"],
             "ko": ["naver.com", "daum.net"], "zh": ["gmail.com", "yahoo.com.tw"]}
FIRST = {"de": ["Jonas", "Katrin", "Matthias", "Jürgen", "Anja"], "fr": ["Amélie", "Théo", "Hélène", "Julien"],
         "es": ["Lucía", "Andrés", "María José", "Íñigo"], "pt": ["João", "Luíza", "Thiago", "Conceição"],
         "it": ["Giulia", "Marco", "Niccolò", "Chiara"], "nl": ["Sanne", "Joost", "Bram", "Femke"],
         "sv": ["Åsa", "Björn", "Linnéa", "Göran"], "tr": ["Ayşe", "Mehmet", "Gülşen", "Çağrı"],
         "en": ["Emily", "James", "Priya", "Michael"], "hi": ["Ananya", "Rohit", "Sneha", "Vikram"],
         "ja": ["Haruto", "Yui", "Kenji", "Aiko"], "ko": ["Minjun", "Seoyeon", "Jiho", "Hana"],
         "zh": ["Wei", "Mei-Ling", "Chih-Hao", "Yu-Ting"]}
RESELLERS = [("Arrow ECS GmbH", "arrow.com"), ("TD SYNNEX Corporation", "tdsynnex.com"),
             ("Ingram Micro Cloud", "ingrammicro.com"), ("Crayon Group AS", "crayon.com"),
             ("SoftwareONE AG", "softwareone.com"), ("Exclusive Networks SA", "exclusive-networks.com")]

# programme: phases of (Odoo shorthand, English ACE title, ACE use case, products, delivery model)
PROGRAMMES: dict[str, list[tuple[str, str, str, str, str]]] = {
    "map": [("MAP Assess", "Migration readiness assessment and TCO for {n} servers", "Migration / Database Migration",
             "AWS Migration Hub;AWS Application Discovery Service", "Professional Services"),
            ("MAP Mobilize", "Landing zone and migration planning (MAP Mobilize)", "Migration / Database Migration",
             "AWS Control Tower;AWS Organizations;AWS IAM Identity Center", "Professional Services"),
            ("Migr. W1", "Rehost of {n} VMware workloads to Amazon EC2, wave 1", "Migration / Database Migration",
             "Amazon EC2;AWS Application Migration Service;Amazon EBS", "Professional Services"),
            ("Migr. W2", "Migration wave 2: databases to Amazon RDS and remaining VMs",
             "Migration / Database Migration",
             "Amazon RDS;AWS Database Migration Service;Amazon EC2", "Professional Services"),
            ("Migr. W3", "Wave 3 datacenter exit: legacy apps and file shares", "Migration / Database Migration",
             "Amazon EC2;Amazon FSx;AWS DataSync", "Professional Services")],
    "data": [("DL Ph1", "Data lake foundation on Amazon S3 with AWS Glue", "Data Lake",
              "Amazon S3;AWS Glue;AWS Lake Formation", "Professional Services"),
             ("DL Ph2", "Data lake phase 2: streaming ingestion and Amazon Redshift", "Data Lake",
              "Amazon Kinesis;Amazon Redshift;AWS Glue", "Professional Services"),
             ("BI", "Self-service dashboards with Amazon QuickSight", "Analytics",
              "Amazon QuickSight;Amazon Athena", "Professional Services")],
    "genai": [("GenAI PoC", "Generative AI proof of concept: document Q&A with Amazon Bedrock", "AI Machine Learning",
               "Amazon Bedrock;Amazon OpenSearch Service", "Professional Services"),
              ("GenAI pilot", "GenAI assistant pilot for {dept} with Bedrock Knowledge Bases", "AI Machine Learning",
               "Amazon Bedrock;AWS Lambda;Amazon S3", "Professional Services"),
              ("GenAI prod", "Production rollout of the Bedrock assistant with guardrails", "AI Machine Learning",
               "Amazon Bedrock;Amazon CloudWatch;AWS WAF", "Managed Services")],
    "sap": [("SAP migr", "SAP S/4HANA migration to AWS", "SAP",
             "Amazon EC2;AWS Launch Wizard;Amazon EFS", "Professional Services"),
            ("SAP run", "SAP on AWS managed operations", "SAP",
             "Amazon EC2;AWS Backup;AWS Systems Manager", "Managed Services")],
    "managed": [("MS {y}", "Managed cloud operations {y}", "Cloud Management Tools",
                 "AWS Systems Manager;Amazon CloudWatch;AWS Backup", "Managed Services"),
                ("MS {y}", "Managed cloud operations {y}", "Cloud Management Tools",
                 "AWS Systems Manager;Amazon CloudWatch;AWS Backup", "Managed Services"),
                ("MS {y}", "Managed cloud operations {y}", "Cloud Management Tools",
                 "AWS Systems Manager;Amazon CloudWatch;AWS Backup", "Managed Services")],
    "resale": [("RI/EDP {y}", "AWS consumption and Savings Plans resale {y}", "Other",
                "AWS Savings Plans;Amazon EC2", "Resell"),
               ("RI/EDP {y}", "AWS consumption and Savings Plans resale {y}", "Other",
                "AWS Savings Plans;Amazon EC2", "Resell")],
}
SINGLES = [("Connect", "Omnichannel contact center on Amazon Connect", "Business Applications & Contact Center",
            "Amazon Connect;Amazon Lex", "Professional Services"),
           ("DR", "Disaster recovery with AWS Elastic Disaster Recovery", "Storage & Backup",
            "AWS Elastic Disaster Recovery;Amazon S3", "Professional Services"),
           ("Sec assess", "Security assessment and AWS Security Hub rollout", "Security & Compliance",
            "AWS Security Hub;Amazon GuardDuty;AWS Config", "Professional Services"),
           ("WAFR", "Well-Architected Framework review", "Cloud Management Tools",
            "AWS Well-Architected Tool", "Professional Services"),
           ("EKS", "Container platform modernization on Amazon EKS", "Containers & Serverless",
            "Amazon EKS;Amazon ECR;AWS Fargate", "Professional Services"),
           (".NET modern.", "Windows and .NET application modernization", "Windows",
            "Amazon EC2;AWS App2Container;Amazon RDS for SQL Server", "Professional Services"),
           ("FinOps", "Cost optimization and FinOps enablement", "Cloud Management Tools",
            "AWS Cost Explorer;AWS Compute Optimizer", "Professional Services"),
           ("IoT", "Connected equipment telemetry with AWS IoT Core", "IoT",
            "AWS IoT Core;AWS IoT SiteWise;Amazon Timestream", "Professional Services"),
           ("Backup", "Centralized backup with AWS Backup", "Storage & Backup",
            "AWS Backup;Amazon S3 Glacier", "Managed Services"),
           ("Mainframe", "Mainframe modernization with AWS Mainframe Modernization", "Mainframe Modernization",
            "AWS Mainframe Modernization", "Professional Services"),
           ("eCom", "Headless e-commerce replatforming on AWS serverless", "Containers & Serverless",
            "AWS Lambda;Amazon API Gateway;Amazon DynamoDB", "Professional Services"),
           ("VDI", "Virtual desktops with Amazon WorkSpaces", "End User Computing",
            "Amazon WorkSpaces", "Professional Services")]
# ACE text in the customer's language: titles by keyword (how a local AM writes them), generic description
LOCAL_TITLE = {
    "de": {"Migration": "Migration Rechenzentrum nach AWS", "Data Lake": "Aufbau Data Lake auf AWS",
           "Analytics": "Reporting und Dashboards mit QuickSight",
           "AI Machine Learning": "KI-Assistent mit Amazon Bedrock",
           "SAP": "SAP-Migration nach AWS", "Cloud Management Tools": "Betrieb und Managed Services AWS",
           "_": "AWS-Projekt {what}"},
    "fr": {"Migration": "Migration du datacenter vers AWS", "Data Lake": "Mise en place d'un data lake sur AWS",
           "Analytics": "Tableaux de bord avec QuickSight",
           "AI Machine Learning": "Assistant IA générative avec Bedrock",
           "SAP": "Migration SAP vers AWS", "Cloud Management Tools": "Infogérance AWS",
           "_": "Projet AWS {what}"},
    "es": {"Migration": "Migración del centro de datos a AWS", "Data Lake": "Implementación de data lake en AWS",
           "Analytics": "Cuadros de mando con QuickSight",
           "AI Machine Learning": "Asistente de IA generativa con Bedrock",
           "SAP": "Migración de SAP a AWS", "Cloud Management Tools": "Servicios gestionados AWS",
           "_": "Proyecto AWS {what}"},
    "pt": {"Migration": "Migração do datacenter para AWS", "Data Lake": "Implantação de data lake na AWS",
           "Analytics": "Painéis com QuickSight", "AI Machine Learning": "Assistente de IA generativa com Bedrock",
           "SAP": "Migração SAP para AWS", "Cloud Management Tools": "Serviços gerenciados AWS",
           "_": "Projeto AWS {what}"},
    "it": {"Migration": "Migrazione del datacenter su AWS", "Data Lake": "Realizzazione data lake su AWS",
           "Analytics": "Cruscotti con QuickSight", "AI Machine Learning": "Assistente IA generativa con Bedrock",
           "SAP": "Migrazione SAP su AWS", "Cloud Management Tools": "Servizi gestiti AWS",
           "_": "Progetto AWS {what}"},
    "ja": {"Migration": "AWSへのデータセンター移行", "Data Lake": "AWS上のデータレイク構築",
           "Analytics": "QuickSightによるダッシュボード", "AI Machine Learning": "Amazon Bedrockを用いた生成AIアシスタント",
           "SAP": "SAPのAWS移行", "Cloud Management Tools": "AWS運用保守サービス",
           "_": "AWS導入プロジェクト ({what})"},
    "ko": {"Migration": "AWS 데이터센터 마이그레이션", "Data Lake": "AWS 데이터 레이크 구축",
           "Analytics": "QuickSight 대시보드 구축", "AI Machine Learning": "Amazon Bedrock 생성형 AI 어시스턴트",
           "SAP": "SAP AWS 전환", "Cloud Management Tools": "AWS 운영 관리 서비스",
           "_": "AWS 도입 프로젝트 ({what})"},
    "zh": {"Migration": "資料中心遷移至AWS", "Data Lake": "AWS資料湖建置", "Analytics": "QuickSight報表建置",
           "AI Machine Learning": "Amazon Bedrock生成式AI助理", "SAP": "SAP上雲AWS", "Cloud Management Tools": "AWS代管維運服務",
           "_": "AWS導入專案 ({what})"},
}
LOCAL_DESC = {
    "de": "Kunde möchte {what} umsetzen. Start geplant im {m}. Quartal, Entscheidung durch die IT-Leitung.",
    "fr": "Le client souhaite réaliser {what}. Démarrage prévu au T{m}, décision de la DSI.",
    "es": "El cliente quiere llevar a cabo {what}. Inicio previsto en el T{m}, decide el CIO.",
    "pt": "O cliente quer executar {what}. Início previsto no {m}º trimestre, decisão do CIO.",
    "it": "Il cliente vuole realizzare {what}. Avvio previsto nel Q{m}, decide il CIO.",
    "ja": "お客様は{what}を検討中。第{m}四半期開始予定、情報システム部長が決裁。",
    "ko": "고객사는 {what}을(를) 검토 중. {m}분기 착수 예정, CIO 결재.",
    "zh": "客戶計畫執行{what}，預計第{m}季啟動，由資訊長決策。",
    "nl": "Klant wil {what} realiseren. Start gepland in Q{m}, beslissing door de IT-manager.",
    "sv": "Kunden vill genomföra {what}. Start planerad Q{m}, beslut av IT-chefen.",
    "tr": "Müşteri {what} projesini hayata geçirmek istiyor. Q{m} başlangıç, karar CIO'da.",
}
EN_DESC = ["Customer wants {what}. Executive sponsor is the CIO; budget approved for this fiscal year.",
           "{what}. Partner will deliver with a team of {k} engineers over {w} weeks.",
           "Business problem: ageing on-premises platform and rising licence costs. Proposed solution: {what}.",
           "Customer is evaluating {what} after a successful workshop with AWS SA.",
           "{what}"]
PROCESS_NOTES = ["Call with CTO on Tuesday, send proposal by Friday.", "Intro from AWS AM, waiting for budget.",
                 "Follow up after re:Invent.", "Customer asked for references in their industry.",
                 "Procurement involved, legal review of MSA ongoing.", "Meeting notes in SharePoint.",
                 "Lost to competitor last year, try again.", "Need AWS funding (MAP/POC) before signature."]
SCOPES = ["Fixed price, 6 weeks, two consultants.", "T&M according to SOW v2.", "Workshop first, then build phase.",
          "Scope: {short}. Effort 40 PD.", "Offer sent: {short}, valid 30 days."]
ODOO_STAGES = ["New", "Qualified", "Proposition", "Negotiation", "Won", "Won", "Lost"]
ACE_STAGES = ["Prospect", "Qualified", "Technical Validation", "Business Validation", "Committed", "Launched",
              "Launched", "Closed Lost"]
DEPTS = ["customer service", "HR", "legal", "engineering", "sales"]


@dataclass
class Customer:
    key: int
    country: str
    lang: str
    brand: str            # trade name in the customer's own script
    roman: str            # romanised / ASCII-able trade name (= brand for Latin scripts)
    root: str             # what people call it in a hurry ("Brandt", "Yamada")
    legal: str            # local legal name
    legal_en: str         # English / romanised legal name
    domain: str
    alt_domain: str       # the .com (or ccTLD) sibling domain
    accounts: list[str]
    payer: str | None
    parent: str | None = None
    former: str | None = None
    acronym: str | None = None
    reseller: tuple[str, str, str] | None = None  # name, domain, payer account
    lookalike_of: int | None = None
    tags: set[str] = field(default_factory=set)


def _ascii(s: str) -> str:
    s = s.replace("ß", "ss").replace("ı", "i").replace("İ", "I")
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()


def _de_translit(s: str) -> str:
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"), ("ß", "ss")):
        s = s.replace(a, b)
    return s


def _slug(s: str) -> str:
    out = "".join(ch if ch.isalnum() else "-" for ch in _ascii(_de_translit(s)).lower())
    return "-".join(p for p in out.split("-") if p)


def _account(r: random.Random) -> str:
    head = "0" if r.random() < 0.18 else str(r.randint(1, 9))
    return head + "".join(str(r.randint(0, 9)) for _ in range(11))


def _typo(r: random.Random, s: str) -> str:
    if len(s) < 5:
        return s
    i = r.randint(1, len(s) - 3)
    op = r.choice(["swap", "drop", "double"])
    if op == "swap":
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    if op == "drop":
        return s[:i] + s[i + 1:]
    return s[:i] + s[i] + s[i:]


def _pick(r: random.Random, weights: dict[str, float]) -> str:
    return r.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class BlindBenchmark(Benchmark):
    """hard_match's Benchmark plus the customers behind it (for checks that seeds share none)."""

    customers: list[Customer] = field(default_factory=list)
    owner: dict[str, int] = field(default_factory=dict)  # 'odoo:ID' / 'ace:ID' -> customer key (miss analysis)


class _World:
    """One seed's customers and projects; each seed owns a slice of every language's brand space."""

    def __init__(self, seed: int):
        if not 0 <= seed < MAX_SEEDS:
            raise ValueError(f"blind benchmark seed must be in [0, {MAX_SEEDS}) so that seeds share no customers; "
                             f"got {seed}")
        self.seed = seed
        self.r = random.Random(f"blind-match/{seed}")
        self.used: dict[str, int] = {}
        self.partner_accounts: dict[str, str] = {}

    def _brand(self, lang: str) -> tuple[str, str, str]:
        """(name in its script, romanised name, the short name people use: the root)."""
        roots, sectors, quals = LANG[lang]
        space = len(roots) * len(sectors) * len(quals)
        cap = space // MAX_SEEDS
        j = self.used.get(lang, 0)
        if j >= cap:
            raise ValueError(f"blind benchmark: more than {cap} customers in language {lang!r} for one seed; "
                             "use fewer customers")
        self.used[lang] = j + 1
        x = (self.seed * cap + j) * 7919 % space  # 7919 is prime and divides no space size: a bijection
        root, rest = roots[x % len(roots)], x // len(roots)
        sector, q = sectors[rest % len(sectors)], quals[rest // len(sectors)]
        if lang in ("ja", "ko", "zh"):
            native = root[0] + sector[0] + q[0]
            roman = " ".join(p for p in (root[1], sector[1], q[1]) if p)
            return native, roman, root[1]
        # word order: German/Dutch/Swedish/English-style "Root Sector", Romance "Sector Root"
        if lang in ("fr", "es", "pt", "it"):
            name = f"{sector} {root}" + (f" {q}" if q else "")
        else:
            name = f"{root} {sector}" + (f" {q}" if q else "")
        return name, name, root

    def customer(self, key: int, country: str | None = None, like: Customer | None = None) -> Customer:
        r = self.r
        if country is None:
            country = r.choices(list(COUNTRIES), weights=[v[6] for v in COUNTRIES.values()])[0]
        cname, lang, tld, forms, form_en, _, _ = COUNTRIES[country]
        if like is not None:
            brand = roman = like.roman
            root = like.root
        else:
            brand, roman, root = self._brand(lang)
        if lang == "ja":
            legal = f"株式会社{brand}" if r.random() < 0.7 else f"{brand}株式会社"
            legal_en = f"{roman} {r.choice(['Co., Ltd.', 'K.K.', 'Corporation'])}"
        elif lang == "ko":
            legal = f"{r.choice(forms)} {brand}" if r.random() < 0.6 else f"{brand} {r.choice(forms)}"
            legal_en = f"{roman} Co., Ltd."
        elif lang == "zh":
            legal = f"{brand}{forms[0]}"
            legal_en = f"{roman} {r.choice(['Co., Ltd.', 'Corporation', 'Inc.'])}"
        else:
            form = r.choice(forms)
            legal = f"{brand} {form}"
            legal_en = f"{roman} {form_en}" if r.random() < 0.3 else legal
        slug = _slug(roman)
        if r.random() < 0.35 and len(slug.split("-")) > 1:
            slug = "".join(p[0] for p in slug.split("-")[:-1]) + "-" + slug.split("-")[-1]
        domain = f"{slug}.{tld}" if r.random() < 0.7 else f"{slug}.com"
        alt = f"{slug}.com" if not domain.endswith(".com") else f"{slug}.{tld if tld != 'com' else 'net'}"
        accounts = [_account(r) for _ in range(r.choice([1, 1, 2, 2, 3, 4]))]
        payer = _account(r) if r.random() < 0.55 else None
        c = Customer(key, country, lang, brand, roman, root, legal, legal_en, domain, alt, accounts, payer)
        words = [w for w in _ascii(roman).replace("&", " ").split() if w[:1].isalpha()]
        if len(words) >= 2 and r.random() < 0.25:
            c.acronym = "".join(w[0].upper() for w in words)
        if r.random() < 0.12:
            other = self._brand(lang)[0] if lang not in ("ja", "ko", "zh") else None
            c.parent = f"{other} Group" if other else f"{roman.split()[0]} Holdings"
        if r.random() < 0.08:
            c.former = self._brand(lang)[1]
        if r.random() < 0.07:
            name, dom = r.choice(RESELLERS)
            if name not in self.partner_accounts:
                self.partner_accounts[name] = _account(r)
            c.reseller = (name, dom, self.partner_accounts[name])
        if like is not None:
            c.lookalike_of = like.key
        return c


# -- texts per side -------------------------------------------------------------------------------
def _fill(s: str, r: random.Random, year: int) -> str:
    return s.format(n=r.choice([40, 120, 350, 800]), dept=r.choice(DEPTS), y=year)


def _odoo_company(r: random.Random, c: Customer, tags: set[str]) -> str:
    roll = r.random()
    if c.reseller and roll < 0.45:
        tags.add("odoo_reseller")
        return c.reseller[0]
    first = r.choice(FIRST[c.lang])
    if roll < 0.08:
        tags.add("odoo_contact_person")
        return f"{c.legal}, {first} {r.choice(['Müller', 'Silva', 'Kim', 'Tanaka', 'Rossi', 'Smith', 'García'])}"
    if roll < 0.12:
        tags.add("odoo_contact_person")
        return f"{first} {r.choice(['Weber', 'Santos', 'Lee', 'Suzuki', 'Bianchi', 'Brown', 'López'])}"
    if c.former and r.random() < 0.5:
        tags.add("name_formerly")
        return c.former
    if c.lang in ("ja", "ko", "zh"):
        return c.legal if r.random() < 0.55 else (c.legal_en if r.random() < 0.7 else c.roman)
    if roll < 0.30:
        return c.brand  # legal form dropped
    if c.acronym and roll < 0.40:
        tags.add("name_acronym")
        return c.acronym
    return c.legal


def _ace_company(r: random.Random, c: Customer, tags: set[str], odoo_name: str) -> str:
    if c.parent and r.random() < 0.6:
        tags.add("name_parent")
        name = c.parent
    elif c.former and r.random() < 0.5:
        tags.add("name_formerly")
        name = f"{c.legal_en} (formerly {c.former})" if r.random() < 0.6 else c.legal_en
    elif c.lang in ("ja", "ko", "zh"):
        name = c.legal_en if r.random() < 0.65 else c.legal
    elif c.acronym and r.random() < 0.12:
        tags.add("name_acronym")
        name = f"{c.acronym} {COUNTRIES[c.country][4]}"
    else:
        name = c.legal_en if r.random() < 0.5 else c.legal
        if r.random() < 0.25:
            name = _ascii(name) if r.random() < 0.6 else _de_translit(name)
    if r.random() < 0.15:
        tags.add("name_caps")
        name = name.upper()
    if r.random() < 0.07:
        tags.add("name_typo")
        name = _typo(r, name)
    if c.lang in ("ja", "ko", "zh") and odoo_name and (any(ord(ch) > 0x2E80 for ch in name)
                                                       != any(ord(ch) > 0x2E80 for ch in odoo_name)):
        tags.add("name_script")
    if _ascii(name) != name and _ascii(odoo_name) == odoo_name or (_ascii(odoo_name) != odoo_name
                                                                   and _ascii(name) == name
                                                                   and c.lang not in ("ja", "ko", "zh")):
        tags.add("name_accents")
    def _form(n: str) -> str:
        return n.replace(c.brand, "").replace(c.roman, "").strip(" ,").upper()
    if odoo_name and c.brand in odoo_name and _form(odoo_name) != _form(name) and "name_parent" not in tags:
        tags.add("name_legal_form")
    return name


def _odoo_title(r: random.Random, c: Customer, short: str, en: str, year: int, seq: int, tags: set[str]) -> str:
    who = c.acronym if c.acronym and r.random() < 0.6 else c.root
    style = _pick(r, {"abbr": 22, "opp": 10, "company": 20, "terse": 12, "form": 5, "default": 5, "local": 8,
                      "quote": 5, "descr": 13})
    if style == "abbr":
        return f"{who} - {short}"
    if style == "opp":
        return f"OPP-{year}-{seq:04d} {who.upper()}" + (f" {short}" if r.random() < 0.4 else "")
    if style == "company":
        return f"{c.brand} - {short}"
    if style == "terse":
        tags.add("odoo_terse")
        return r.choice([f"{who} AWS", f"{who} cloud", f"Renewal {year}", f"{who} {year}", f"{c.brand}",
                         f"Upsell {who}", f"{who} Phase {r.randint(1, 3)}"])
    if style == "form":
        tags.add("odoo_terse")
        return r.choice(["Website form: contact request", "Contact us form", f"Event lead: AWS Summit {year}",
                         "Inbound: pricing inquiry"])
    if style == "default":
        tags.add("odoo_terse")
        return f"{r.choice(FIRST[c.lang])}'s opportunity"
    if style == "local" and c.lang in LOCAL_DESC:
        tags.add("odoo_foreign_lang")
        return f"{who}: {_local_title(c.lang, en, r)}"
    if style == "quote":
        return f"S{r.randint(10000, 99999)} - {who} {short}"
    words = en.split()
    return " ".join(words[: max(3, len(words) // 2)]).rstrip(",:") + f" ({who})"


def _local_title(lang: str, en: str, r: random.Random, use_case: str = "") -> str:
    table = LOCAL_TITLE.get(lang)
    if table is None:
        return en
    for key, title in table.items():
        if key != "_" and (key in use_case or key.lower() in en.lower()):
            return title
    return table["_"].format(what=en.split(" with ")[0].split(" on ")[0])


def _ace_title(r: random.Random, c: Customer, acct: str, en: str, odoo_title: str, use_case: str, phase_no: int,
               tags: set[str]) -> tuple[str, bool]:
    """The ACE title and whether it is in the customer's language."""
    style = _pick(r, {"boiler": 30, "descr": 40, "local": 15 if c.lang not in ("en", "hi") else 0, "copy": 10,
                      "descr_phase": 5})
    if style == "boiler":
        tags.add("ace_boilerplate")
        kind = {"Migration / Database Migration": "AWS Migration", "Data Lake": "Data & Analytics",
                "Analytics": "Data & Analytics", "AI Machine Learning": "GenAI", "SAP": "SAP on AWS"}.get(
            use_case, r.choice(["AWS Opportunity", "Net New", "Modernization"]))
        return r.choice([f"{kind} - {acct}", f"{acct} - {kind}", f"{acct.upper()} | {kind}",
                         f"{kind} - {acct} - Q{r.randint(1, 4)}"]), False
    if style == "local" and c.lang in LOCAL_TITLE:
        return _local_title(c.lang, en, r, use_case), True
    if style == "copy":
        tags.add("ace_crm_copy")
        return odoo_title, False
    if style == "descr_phase":
        return f"{en} - phase {phase_no}", False
    return en, False


# -- generation ----------------------------------------------------------------------------------
@dataclass
class _Project:
    customer: Customer
    short: str
    en: str
    use_case: str
    products: str
    delivery: str
    programme: str | None
    phase: int
    start: date
    sides: str  # both | odoo | ace
    tags: set[str] = field(default_factory=set)
    odoo: dict[str, Any] | None = None
    ace: dict[str, Any] | None = None
    dup: dict[str, Any] | None = None


def _projects(r: random.Random, c: Customer, kind: str) -> list[_Project]:
    n_programmes = r.choices([1, 1, 1, 2, 2, 3], k=1)[0]
    count = r.choices([1, 2, 3, 4, 5, 6, 8], weights=[40, 25, 12, 10, 6, 4, 3])[0]
    out: list[_Project] = []
    start = date(2022, 1, 1) + timedelta(days=r.randint(0, 1000))
    for _ in range(n_programmes):
        if len(out) >= count:
            break
        if r.random() < 0.55:
            prog = r.choice(list(PROGRAMMES))
            phases = PROGRAMMES[prog][: min(len(PROGRAMMES[prog]), max(1, count - len(out)))]
            if len(phases) > 1 and r.random() < 0.3:
                phases = phases[r.randint(1, len(phases) - 1):]  # the early phases predate the CRM
        else:
            prog, phases = None, [r.choice(SINGLES)]
        t = start + timedelta(days=r.randint(0, 200))
        for i, ph in enumerate(phases):
            year = (t + timedelta(days=60)).year
            short, en, uc, prods, dm = ph
            out.append(_Project(c, short.format(y=year), _fill(en, r, year), uc, prods, dm, prog, i + 1, t,
                                sides="both"))
            t += timedelta(days=r.randint(60, 250) if prog not in ("managed", "resale") else 365)
    for p in out:
        if kind == "odoo":
            p.sides = "odoo"
        elif kind == "ace":
            p.sides = "ace"
        else:
            p.sides = _pick(r, {"both": 58, "odoo": 27, "ace": 15})
    return out


def _odoo_row(r: random.Random, p: _Project, seq: int, referral: bool) -> dict[str, Any]:
    c, tags = p.customer, p.tags
    created = datetime.combine(p.start, datetime.min.time()) + timedelta(hours=r.randint(7, 19),
                                                                         minutes=r.randint(0, 59))
    if referral:
        created += timedelta(days=r.randint(2, 45))
    deadline = p.start + timedelta(days=r.randint(30, 240))
    title = _odoo_title(r, c, p.short, p.en, deadline.year, seq, tags)
    company = _odoo_company(r, c, tags)
    site_roll = r.random()
    website = (None if site_roll < 0.28 else f"https://www.{c.domain}" if site_roll < 0.6 else c.domain
               if site_roll < 0.75 else f"http://{c.alt_domain}" if site_roll < 0.85 else f"https://shop.{c.domain}")
    first = _slug(r.choice(FIRST[c.lang])).replace("-", ".") or "info"
    mail_roll = r.random()
    email = (None if mail_roll < 0.22 else f"{first}.{r.choice(['k', 'm', 's', 'b'])}@{c.domain}" if mail_roll < 0.86
             else f"{first}{r.randint(1, 99)}@{r.choice(FREE_MAIL[c.lang])}")
    if "odoo_reseller" in tags:
        website, email = f"https://www.{c.reseller[1]}", f"cloud.sales@{c.reseller[1]}"
    desc_roll = r.random()
    if desc_roll < 0.45:
        desc = None
        tags.add("odoo_no_text")
    elif desc_roll < 0.65:
        desc = r.choice(PROCESS_NOTES)
    elif desc_roll < 0.85:
        desc = r.choice(SCOPES).format(short=p.short)
    elif c.lang in LOCAL_DESC and r.random() < 0.5:
        desc = LOCAL_DESC[c.lang].format(what=_local_title(c.lang, p.en, r, p.use_case), m=r.randint(1, 4))
        tags.add("odoo_foreign_lang")
    else:
        desc = f"{p.en}. {r.choice(PROCESS_NOTES)}"
    amount_roll = r.random()
    mrr = round(r.lognormvariate(8.0, 1.1), -1)
    p.mrr = mrr  # type: ignore[attr-defined]
    fee = round(r.uniform(8_000, 300_000), -2)
    if amount_roll < 0.2:
        amount = r.choice([0.0, None])
    elif amount_roll < 0.6:
        amount = fee
    elif amount_roll < 0.8:
        amount = round(mrr * 36 * r.uniform(0.6, 1.4), -2)
    else:
        amount = round(mrr * 12 * r.uniform(0.8, 1.2), -2)
    cur = COUNTRIES[c.country][5]
    if amount and cur and r.random() < 0.6:
        amount = round(amount * cur[1], -2)
        tags.add("amount_currency")
    if not amount:
        tags.add("amount_missing")
    acc_roll = r.random()
    account = r.choice(c.accounts) if acc_roll < 0.55 else None
    payer = c.payer if c.payer and r.random() < 0.4 else None
    country = COUNTRIES[c.country][0] if r.random() < 0.8 else None
    if deadline and r.random() < 0.18:
        deadline = None
    return {"source_id": None, "name": title, "partner_name": company, "partner_website": website,
            "partner_email": email, "partner_country": country, "aws_account_id": account,
            "aws_payer_account_id": payer, "expected_revenue": amount, "date_deadline": deadline,
            "create_date": created, "description": desc, "stage_name": r.choice(ODOO_STAGES),
            "ace_opportunity_ref": None}


def _ace_row(r: random.Random, p: _Project, odoo: dict[str, Any] | None, referral: bool) -> dict[str, Any]:
    c, tags = p.customer, p.tags
    if odoo is not None:
        created = odoo["create_date"] - timedelta(days=r.randint(1, 30)) if referral else \
            odoo["create_date"] + timedelta(days=r.randint(1, 75), hours=r.randint(0, 8))
        base = odoo["date_deadline"] or (p.start + timedelta(days=r.randint(30, 240)))
        gap = _pick(r, {"near": 40, "month": 30, "quarter": 20, "far": 10})
        delta = {"near": r.randint(-7, 7), "month": r.randint(-30, 30),
                 "quarter": r.choice([-1, 1]) * r.randint(31, 120),
                 "far": r.choice([-1, 1]) * r.randint(121, 360)}[gap]
        close = base + timedelta(days=delta)
        if odoo["date_deadline"] and abs(delta) > 90:
            tags.add("date_far")
    else:
        created = datetime.combine(p.start, datetime.min.time()) + timedelta(days=r.randint(0, 40),
                                                                             hours=r.randint(0, 23))
        close = p.start + timedelta(days=r.randint(30, 300))
    odoo_company = odoo["partner_name"] if odoo else ""
    acct_name = _ace_company(r, c, tags, odoo_company or c.legal)
    title, local = _ace_title(r, c, acct_name if r.random() < 0.5 else c.roman, p.en, odoo["name"] if odoo else p.en,
                              p.use_case, p.phase, tags)
    if local and not (odoo and "odoo_foreign_lang" in tags):
        tags.add("ace_foreign_lang")
    if local or (c.lang in LOCAL_DESC and r.random() < 0.2):
        desc = LOCAL_DESC[c.lang].format(what=_local_title(c.lang, p.en, r, p.use_case), m=r.randint(1, 4))
        if not local:
            tags.add("ace_foreign_lang")
    else:
        desc = r.choice(EN_DESC).format(what=p.en, k=r.randint(2, 6), w=r.randint(4, 20))
    site_roll = r.random()
    if site_roll < 0.15:
        site = r.choice(["N/A", "na", "test@test.com", f"www.linkedin.com/company/{_slug(c.roman)}", "https://",
                         "none", "www.aws.amazon.com"])
        tags.add("domain_junk")
    elif site_roll < 0.27:
        site = f"www.{c.alt_domain}"
        tags.add("domain_tld")
    elif site_roll < 0.33:
        site = f"https://{r.choice(['aws', 'shop', 'corp', 'it'])}.{c.domain}"
        tags.add("domain_subdomain")
    elif site_roll < 0.38:
        site = None
        tags.add("domain_missing")
    else:
        site = f"https://{c.domain}" if r.random() < 0.5 else f"www.{c.domain}"
    mail_roll = r.random()
    if mail_roll < 0.12:
        email = f"alliances@{OUR_DOMAIN}"
        tags.add("domain_alliance_lead")
    elif mail_roll < 0.17:
        email = f"{_slug(r.choice(FIRST[c.lang])).replace('-', '')}@{r.choice(FREE_MAIL[c.lang])}"
        tags.add("domain_free_mail")
    elif mail_roll < 0.4:
        email = None
    else:
        email = f"{_slug(r.choice(FIRST[c.lang])).replace('-', '.')}@{c.domain}"
    stage = r.choice(ACE_STAGES)
    status = _pick(r, {"Approved": 80, "Submitted": 5, "In review": 3, "Action Required": 4,
                       "Pending Submission": 3, "Rejected": 0})
    if status != "Approved":
        tags.add("ace_not_approved")
        stage = "Prospect"
    account = None
    if r.random() < (0.9 if stage == "Launched" else 0.35):
        how = _pick(r, {"same": 60, "payer": 15 if c.payer else 0, "other": 10 if len(c.accounts) > 1 else 0,
                        "reseller": 25 if c.reseller else 0, "mangled": 10})
        if how == "payer":
            account = c.payer
        elif how == "reseller":
            account = c.reseller[2]
        elif how == "other":
            account = r.choice(c.accounts)
        else:
            account = odoo["aws_account_id"] if odoo and odoo["aws_account_id"] else r.choice(c.accounts)
            if how == "mangled":
                account = account.lstrip("0") if account.startswith("0") else \
                    f"{account[:4]}-{account[4:8]}-{account[8:]}"
        if odoo is not None:
            if how == "reseller":
                tags.add("account_reseller_payer")
            elif how == "mangled":
                tags.add("account_mangled")
            elif how == "payer" and odoo["aws_account_id"] and not odoo["aws_payer_account_id"]:
                tags.add("account_payer")
            elif how == "other" and odoo["aws_account_id"] and account != odoo["aws_account_id"]:
                tags.add("account_other")
    if odoo is not None and bool(account) != bool(odoo["aws_account_id"] or odoo["aws_payer_account_id"]):
        tags.add("account_one_side")
    mrr = getattr(p, "mrr", None) or round(r.lognormvariate(8.0, 1.1), -1)
    budget = r.choice([0, 1]) if r.random() < 0.08 else round(mrr * r.uniform(0.7, 1.3), -1)
    if odoo is not None and budget in (0, 1):
        tags.add("amount_missing")
    country_roll = r.random()
    country = (COUNTRIES[c.country][0] if country_roll < 0.75 else c.country if country_roll < 0.95 else None)
    if country is None or (odoo is not None and odoo["partner_country"] is None):
        tags.add("country_missing")
    elif country == c.country:
        tags.add("country_code")
    if referral and odoo is not None:
        tags.add("referral_first")
    return {"source_id": None, "name": title, "account_name": acct_name, "domain": site, "customer_email": email,
            "country": country, "aws_account": account, "project_budget": budget, "close_date": close,
            "aws_create_date": created, "status": status,
            "partner_acceptance_status": "Accepted" if referral else None, "use_case": p.use_case,
            "aws_products": p.products, "delivery_model": p.delivery, "project_description": desc,
            "partner_crm_unique_identifier": None, "stage": stage}


def _masked(row: dict[str, Any]) -> dict[str, Any]:
    """A pending AWS referral as Partner Central shows it before acceptance."""
    return row | {"name": "Accept to View", "account_name": "Accept to View", "domain": None, "customer_email": None,
                  "aws_account": None, "project_budget": None, "project_description": "Accept to View",
                  "partner_acceptance_status": None, "status": "Approved", "stage": "Prospect"}


CRM_FORMS = ["{i}", "{i}", "ODOO-{i}", "crm.lead,{i}", "#{i}", "odoo:{i}", "OPP{i}"]
ACE_FORMS = ["{i}", "{i}", "{l}", " {i} ", "https://partnercentral.awspartner.com/opportunity/{i}"]


def generate(customers: int = 200, seed: int = 17) -> Benchmark:
    """The blind benchmark for `customers` customers; deterministic per seed, seeds share no customers."""
    w = _World(seed)
    r = w.r
    people: list[Customer] = []
    for k in range(customers):
        latin = [p for p in people if p.lang not in ("ja", "ko", "zh") and p.lookalike_of is None]
        if latin and r.random() < 0.05:
            like = r.choice(latin)
            country = r.choice([x for x in LOOKALIKE_COUNTRIES if x != like.country])
            c = w.customer(k, country, like)
            like.tags.add("lookalike")
            c.tags.add("lookalike")
        else:
            c = w.customer(k)
        people.append(c)
    projects: list[_Project] = []
    for c in people:
        kind = _pick(r, {"both": 70, "odoo": 17, "ace": 13})
        projects += _projects(r, c, kind)
    for p in projects:
        p.tags |= p.customer.tags & {"lookalike"}
    odoo_rows: list[tuple[_Project | None, dict[str, Any]]] = []
    ace_rows: list[tuple[_Project | None, dict[str, Any]]] = []
    seq = 1
    for p in projects:
        referral = r.random() < 0.25
        if p.sides in ("both", "odoo"):
            p.odoo = _odoo_row(r, p, seq, referral and p.sides == "both")
            seq += 1
            odoo_rows.append((p, p.odoo))
        if p.sides in ("both", "ace"):
            p.ace = _ace_row(r, p, p.odoo, referral)
            if p.sides == "both" and r.random() < 0.07:
                p.dup = p.ace | {"status": "Rejected", "stage": None,
                                 "aws_create_date": p.ace["aws_create_date"] + timedelta(days=r.randint(-10, 10)),
                                 "name": p.ace["name"] if r.random() < 0.6 else p.en}
                p.tags.add("ace_rejected_dup")
                ace_rows.append((None, p.dup))
            if p.sides == "both" and r.random() < 0.02:
                p.ace = _masked(p.ace)
                p.tags.add("ace_masked")
            elif p.sides == "ace" and referral and r.random() < 0.3:
                p.ace = _masked(p.ace)
            ace_rows.append((p, p.ace))
    # a few ACE-only duplicates that were rejected (no live twin) and Odoo website-form junk leads
    # ids: Odoo ids increase with create_date; ACE ids are random 'O' + 7 digits
    odoo_rows.sort(key=lambda t: t[1]["create_date"])
    base = 3000 + seed * 100_003 % 40_000
    next_id = base
    for _, row in odoo_rows:
        next_id += r.choice([1, 1, 2, 3, 7])
        row["source_id"] = next_id
    used: set[str] = set()
    for _, row in ace_rows:
        while True:
            aid = f"O{r.randint(1_000_000, 9_999_999)}"
            if aid not in used:
                used.add(aid)
                break
        row["source_id"] = aid
    # exact ids: ACE partner_crm_unique_identifier and the Odoo custom field, some stale
    by_customer: dict[int, list[_Project]] = {}
    for p in projects:
        by_customer.setdefault(p.customer.key, []).append(p)
    for p in projects:
        sibs = [q for q in by_customer[p.customer.key] if q is not p and q.odoo is not None]
        if p.ace is not None and p.ace["name"] != "Accept to View":
            if p.odoo is not None and r.random() < 0.35:
                target = p.odoo["source_id"]
                if r.random() < 0.15:
                    target = r.choice(sibs).odoo["source_id"] if sibs else base - r.randint(1, 900)
                    p.tags.add("id_stale")
                else:
                    p.tags.add("id_crm")
                p.ace["partner_crm_unique_identifier"] = r.choice(CRM_FORMS).format(i=target)
            elif p.odoo is None and r.random() < 0.08:  # a deleted / merged lead's id
                p.ace["partner_crm_unique_identifier"] = str(base - r.randint(1, 900))
        if p.odoo is not None and p.ace is not None and r.random() < 0.12:
            target = p.ace["source_id"]
            ace_sibs = [q for q in by_customer[p.customer.key] if q is not p and q.ace is not None]
            if ace_sibs and r.random() < 0.05:
                target = r.choice(ace_sibs).ace["source_id"]
                p.tags.add("id_stale")
            else:
                p.tags.add("id_odoo_field")
            p.odoo["ace_opportunity_ref"] = r.choice(ACE_FORMS).format(i=target, l=target.lower())
    # sibling tags: a customer with 2+ twins; same programme twins
    for key, ps in by_customer.items():
        twins = [p for p in ps if p.odoo is not None and p.ace is not None]
        for p in twins:
            if len(twins) > 1:
                p.tags.add("siblings")
            if p.programme and any(q.programme == p.programme for q in twins if q is not p):
                p.tags.add("programme_siblings")
            free = {d for ds in FREE_MAIL.values() for d in ds}
            if (p.odoo["partner_email"] or "").split("@")[-1] in free and not p.odoo["partner_website"]:
                p.tags.add("domain_free_mail")
            if not p.odoo["partner_website"] and not p.odoo["partner_email"]:
                p.tags.add("domain_missing")
            if p.odoo["date_deadline"] is None:
                p.tags.add("date_missing")
    truth: list[tuple[str, str, str]] = []
    for p in projects:
        if p.odoo is not None and p.ace is not None:
            tags = sorted(t for t in p.tags if t in TAGS) or ["plain"]
            truth.append((str(p.odoo["source_id"]), p.ace["source_id"], ";".join(tags)))
    # shuffle ACE rows deterministically so that load order says nothing
    ace = [row for _, row in ace_rows]
    r.shuffle(ace)
    owner = {f"odoo:{row['source_id']}": p.customer.key for p, row in odoo_rows}
    owner |= {f"ace:{p.ace['source_id']}": p.customer.key for p in projects if p.ace is not None}
    owner |= {f"ace:{p.dup['source_id']}": p.customer.key for p in projects if p.dup is not None}
    return BlindBenchmark(odoo=[row for _, row in odoo_rows], ace=ace, truth=truth, customers=people, owner=owner)


def build(settings: Any, db: Any, customers: int = 200, seed: int = 17, truth_path: Path | None = None
          ) -> Benchmark:
    """Load the blind set into an empty warehouse's core tables and embed it: ready for `partner_sync match`."""
    return load_and_embed(settings, db, generate(customers, seed), "the blind benchmark", truth_path)
