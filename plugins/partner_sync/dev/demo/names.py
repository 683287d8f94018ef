"""Company and person vocabulary plus the messiness real CRMs have (suffixes, accents, typos, URL shapes).

Why its own module: both demo sources describe the same real-world customers, and the matcher's job
is to see through exactly these variations; keeping them in one place keeps both sides honest.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

from partner_sync.dev.demo.geo import Country

_PREFIXES = ("Vel", "Nor", "Ast", "Bri", "Cal", "Dex", "Ever", "Fal", "Gal", "Hel", "Ion", "Jun", "Kai", "Lum", "Mar",
             "Nex", "Oct", "Pax", "Quan", "Riv", "Sol", "Tera", "Ul", "Ven", "Wex", "Xan", "Yor", "Zen", "Alt", "Bor",
             "Cor", "Dyn", "Evo", "Fin", "Gran", "Hal", "Kor", "Lin", "Mer", "Nov", "Orb", "Pol", "Sil", "Tan", "Vor",
             "Aur", "Bel", "Cyr", "Del", "Est")
_ENDINGS = ("tora", "wind", "ex", "ico", "ara", "ium", "on", "ova", "is", "era", "ant", "ix", "ify", "ly", "lane",
            "point", "field", "stone", "bridge", "gate", "works", "nova", "path", "core", "mark", "line", "wave",
            "base", "hub", "sys", "tek", "ora", "ent", "ada")
_CLASSIC = ("Acme", "Globex", "Initech", "Northwind", "Contoso", "Fabrikam", "Umbrella", "Stark", "Tyrell",
            "Cyberdyne", "Soylent", "Hooli", "Vandelay", "Wonka", "Oceanic", "Blue Harbor", "Red Rock", "Silver Lake",
            "Green Valley", "Blackbird", "Golden Gate", "Iron Peak", "Summit", "Pinnacle", "Harbor Point",
            "Lakeside", "Crescent", "Meridian", "Keystone", "Beacon")

# sector word -> ACE industry (Partner Central API vocabulary, 'and' not '&')
SECTORS: dict[str, str] = {
    "Logistics": "Transportation and Logistics", "Analytics": "Software and Internet", "Health": "Healthcare",
    "Energy": "Energy - Power and Utilities", "Foods": "Consumer Goods", "Retail": "Retail",
    "Capital": "Financial Services", "Insurance": "Financial Services", "Pharma": "Life Sciences",
    "Robotics": "Manufacturing", "Media": "Media and Entertainment", "Telecom": "Telecommunications",
    "Software": "Software and Internet", "Systems": "Computers and Electronics", "Technologies": "Software and Internet",
    "Solutions": "Professional Services", "Labs": "Life Sciences", "Manufacturing": "Manufacturing",
    "Motors": "Automotive", "Aerospace": "Aerospace", "Bank": "Financial Services", "Finance": "Financial Services",
    "Games": "Gaming", "Studios": "Media and Entertainment", "Consulting": "Professional Services",
    "Engineering": "Manufacturing", "Biotech": "Life Sciences", "Textiles": "Consumer Goods", "Airlines": "Travel",
    "Shipping": "Transportation and Logistics", "Chemicals": "Manufacturing", "Semiconductors": "Computers and Electronics",
    "Mining": "Mining", "Realty": "Real Estate and Construction", "Hotels": "Hospitality", "Education": "Education",
    "Travel": "Travel", "Security": "Software and Internet", "Networks": "Telecommunications", "Data": "Software and Internet",
    "Digital": "Marketing and Advertising", "Marketing": "Marketing and Advertising", "Agri": "Agriculture",
    "Wholesale": "Wholesale and Distribution", "Distribution": "Wholesale and Distribution", "Oil & Gas": "Energy - Oil and Gas",
    "Construction": "Real Estate and Construction", "Foundation": "Non-Profit Organization", "Automotive": "Automotive",
    "Electronics": "Computers and Electronics",
}
_SECTOR_WORDS = tuple(SECTORS)
_TAILS = ("Group", "International", "Holdings", "Industries", "Partners", "Services", "Worldwide", "Europe")

# Local-language names (the unicode the matcher must survive). (template, ascii alias for domains, industry)
_LOCAL: dict[str, tuple[tuple[str, str, str], ...]] = {
    "DE": (("{s} Maschinenbau", "{a}-maschinenbau", "Manufacturing"), ("{s} Präzisionstechnik", "{a}-praezision", "Manufacturing"),
           ("{s} Versicherungen", "{a}-versicherungen", "Financial Services"), ("{s} Logistik", "{a}-logistik", "Transportation and Logistics"),
           ("Stadtwerke {c}", "stadtwerke-{ca}", "Energy - Power and Utilities"), ("Brauerei {s}", "brauerei-{a}", "Consumer Goods")),
    "FR": (("Société Générale de {n}", "sg-{na}", "Transportation and Logistics"), ("{s} & Fils", "{a}-fils", "Wholesale and Distribution"),
           ("Groupe {s}", "groupe-{a}", "Professional Services"), ("Crédit {r}", "credit-{ra}", "Financial Services"),
           ("Compagnie Française de {n}", "cf-{na}", "Energy - Power and Utilities"), ("Laboratoires {s}", "labo-{a}", "Life Sciences")),
    "JP": (("東京テック", "tokyo-tech", "Software and Internet"), ("大阪データ", "osaka-data", "Software and Internet"),
           ("横浜ロボティクス", "yokohama-robotics", "Manufacturing"), ("さくら物流", "sakura-logistics", "Transportation and Logistics"),
           ("富士メディカル", "fuji-medical", "Healthcare")),
    "BR": (("São Paulo {pn}", "sp-{pna}", "Consumer Goods"), ("Grupo {s}", "grupo-{a}", "Retail"), ("Construtora {s}", "construtora-{a}", "Real Estate and Construction")),
    "DK": (("Ørsted {dn}", "orsted-{dna}", "Energy - Power and Utilities"), ("Nørre {s} Shipping", "norre-{a}", "Transportation and Logistics")),
    "SE": (("Åkerlund & {s}", "akerlund-{a}", "Consumer Goods"),),
    "PL": (("Łódzkie Zakłady {s}", "lodz-{a}", "Manufacturing"),),
    "CH": (("Zürcher {s} Bank", "zuercher-{a}", "Financial Services"), ("Genève Horlogerie {s}", "geneve-{a}", "Consumer Goods")),
    "ES": (("Construcciones {s}", "construcciones-{a}", "Real Estate and Construction"), ("Telecomunicaciones {s}", "telecom-{a}", "Telecommunications")),
    "IT": (("{s} Meccanica", "{a}-meccanica", "Manufacturing"), ("Banca {s}", "banca-{a}", "Financial Services")),
}
_FR_NOUNS = (("Transport", "transport"), ("Distribution", "distribution"), ("l'Énergie", "energie"), ("Télécoms", "telecoms"))
_FR_REGIONS = (("Mutuel du Nord", "mutuel-nord"), ("Régional de l'Est", "regional-est"), ("Agricole Sud", "agricole-sud"))
_PT_NOUNS = (("Alimentos", "alimentos"), ("Logística", "logistica"), ("Tecnologia", "tecnologia"))
_DK_NOUNS = (("Energi", "energi"), ("Vind", "vind"), ("Havn", "havn"))

_ABBREV = {"International": "Intl", "Technologies": "Tech", "Technology": "Tech", "Solutions": "Sol.",
           "Corporation": "Corp", "Manufacturing": "Mfg", "Engineering": "Eng.", "Services": "Svcs", "Group": "Grp",
           "Holdings": "Hldgs", "Systems": "Sys", "Logistics": "Log.", "Insurance": "Ins.", "Pharma": "Pharm",
           "Consulting": "Cnslt", "Versicherungen": "Vers.", "Société": "Sté", "Compagnie": "Cie", "Laboratoires": "Labs",
           "Maschinenbau": "MB", "Construcciones": "Const."}
_SUFFIX_SWAP = {"Inc": "Inc.", "Inc.": "Incorporated", "LLC": "L.L.C.", "Corp.": "Corporation", "Ltd": "Limited",
                "Ltd.": "Ltd", "Limited": "Ltd", "GmbH": "GmbH.", "AG": "A.G.", "S.A.": "SA", "SA": "S.A.",
                "S.A.S.": "SAS", "SAS": "S.A.S.", "Pty Ltd": "Pty. Ltd.", "B.V.": "BV", "BV": "B.V.", "K.K.": "KK",
                "SpA": "S.p.A.", "S.p.A.": "SpA", "Ltda": "Ltda.", "Pvt Ltd": "Private Limited", "A/S": "AS"}

FIRST_LAST: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (("James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David", "Sarah", "Emily",
            "Daniel", "Laura", "Kevin", "Rachel", "Chris", "Megan", "Tom", "Olivia", "Aaron"),
           ("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
            "O'Brien", "McDonald", "Clarke", "Walker", "Young", "Hughes", "Murphy", "Kelly")),
    "de": (("Jürgen", "Stefan", "Anna", "Katharina", "Lukas", "Sabine", "Jörg", "Björn", "Michael", "Julia", "Tobias",
            "Ulrike", "Matthias", "Lena"),
           ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schäfer", "Köhler",
            "Groß", "Hoffmann", "Krüger", "Zimmermann")),
    "fr": (("François", "Hélène", "Céline", "Jérôme", "Amélie", "Benoît", "Chloé", "Élodie", "Mathieu", "Camille",
            "Thibault", "Margaux", "Loïc"),
           ("Dupont", "Martin", "Bernard", "Lefèvre", "Moreau", "Girard", "Rousseau", "Faure", "Chevalier", "Léger",
            "Fournier", "Lambert", "Perrin")),
    "es": (("José", "María", "Ana", "João", "Luís", "Inês", "Sofía", "Álvaro", "Lucía", "Tomás"),
           ("García", "Fernández", "González", "Pérez", "Gonçalves", "Sánchez", "Conceição", "Araújo", "Núñez")),
    "nordic": (("Søren", "Lars", "Ingrid", "Åsa", "Bjørn", "Freja", "Mikael", "Astrid"),
               ("Jørgensen", "Nielsen", "Andersson", "Lindqvist", "Østergaard", "Håkansson", "Berg")),
    "pl": (("Łukasz", "Agnieszka", "Paweł", "Małgorzata", "Krzysztof"), ("Kowalski", "Wiśniewski", "Wójcik", "Zieliński")),
    "it": (("Giuseppe", "Giulia", "Marco", "Chiara", "Niccolò", "Francesca"), ("Rossi", "Bianchi", "Ferrari", "Esposito", "Colombo")),
    "ja": (("Haruto", "Yui", "Sota", "Aoi", "Ren", "Hina"), ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito")),
    "in": (("Arjun", "Priya", "Rahul", "Ananya", "Vikram", "Deepa"), ("Sharma", "Patel", "Iyer", "Reddy", "Nair", "Gupta")),
    "nl": (("Daan", "Sanne", "Joost", "Femke", "Bram"), ("de Vries", "van den Berg", "Jansen", "Bakker", "van Dijk")),
}
_LANG_OF_COUNTRY = {"US": "en", "GB": "en", "IE": "en", "CA": "en", "AU": "en", "SG": "en", "DE": "de", "AT": "de",
                    "CH": "de", "FR": "fr", "BE": "fr", "LU": "fr", "MA": "fr", "ES": "es", "PT": "es", "BR": "es",
                    "DK": "nordic", "SE": "nordic", "NO": "nordic", "PL": "pl", "IT": "it", "JP": "ja", "IN": "in",
                    "NL": "nl"}
JOB_TITLES = ("CTO", "CIO", "Head of IT", "IT Manager", "Cloud Architect", "VP Engineering", "Procurement Manager",
              "DevOps Lead", "Data Engineering Manager", "CFO", "Directeur des Systèmes d'Information", "IT-Leiter",
              "Head of Infrastructure", "Solutions Architect", "CISO", "Chief Digital Officer", "Responsable Infrastructure")
FREE_MAIL = ("gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "gmx.de", "web.de", "orange.fr", "icloud.com")


@dataclass(frozen=True)
class CompanyName:
    """A customer's legal name split so that variants can be rendered: core words + legal suffix."""

    core: str  # e.g. "Veltora Logistics"
    suffix: str | None  # e.g. "GmbH"
    slug: str  # ascii, lowercase, for domains: "veltora-logistics"
    industry: str  # ACE industry (API vocabulary)

    @property
    def full(self) -> str:
        return f"{self.core} {self.suffix}" if self.suffix else self.core


def ascii_fold(text: str) -> str:
    """German-aware transliteration to ASCII (ü -> ue, ß -> ss, ø -> o) for domains and 'accent-less' spellings."""
    table = {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ø": "o", "Ø": "O",
             "æ": "ae", "Æ": "Ae", "ł": "l", "Ł": "L", "å": "a", "Å": "A"}
    text = "".join(table.get(ch, ch) for ch in text)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def strip_accents(text: str) -> str:
    """Accents dropped the sloppy way (ü -> u, é -> e), as people type on a US keyboard."""
    table = {"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "ł": "l", "Ł": "L"}
    text = "".join(table.get(ch, ch) for ch in text)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", ascii_fold(text).lower()).strip("-")


def brand(r: random.Random) -> str:
    if r.random() < 0.12:
        return r.choice(_CLASSIC)
    return r.choice(_PREFIXES) + r.choice(_ENDINGS)


def person_lang(country_code: str) -> str:
    return _LANG_OF_COUNTRY.get(country_code, "en")


def company_name(r: random.Random, country: Country) -> CompanyName:
    """A new customer name typical for ``country`` (about one in eight in the local language/script)."""
    lang = person_lang(country.code)
    suffix = r.choice(country.suffixes) if r.random() < 0.82 else None
    local = _LOCAL.get(country.code)
    if local and r.random() < 0.3:
        template, alias, industry = r.choice(local)
        surname = r.choice(FIRST_LAST[lang][1])
        city = country.cities[0][0]
        noun, noun_a = r.choice(_FR_NOUNS)
        region, region_a = r.choice(_FR_REGIONS)
        pnoun, pnoun_a = r.choice(_PT_NOUNS)
        dnoun, dnoun_a = r.choice(_DK_NOUNS)
        fill = dict(s=surname, a=slugify(surname), c=city, ca=slugify(city), n=noun, na=noun_a, r=region, ra=region_a,
                    pn=pnoun, pna=pnoun_a, dn=dnoun, dna=dnoun_a)
        core = template.format(**fill)
        if country.code == "JP":
            suffix = "株式会社" if r.random() < 0.7 else "K.K."
        return CompanyName(core, suffix, alias.format(**fill), industry)
    roll = r.random()
    b = brand(r)
    if roll < 0.58:
        sector = r.choice(_SECTOR_WORDS)
        core = f"{b} {sector}"
    elif roll < 0.68:
        sector = r.choice(_SECTOR_WORDS)
        core = b
    elif roll < 0.82:
        sector = r.choice(_SECTOR_WORDS)
        surname = r.choice(FIRST_LAST[lang][1])
        core = f"{surname} {sector}" if r.random() < 0.6 else f"{surname} & {r.choice(FIRST_LAST[lang][1])}"
    elif roll < 0.9:
        sector = r.choice(_SECTOR_WORDS)
        core = f"{''.join(r.choice('ABCDEFGHIKLMNPRSTVW') for _ in range(3))} {sector}"
    else:
        sector = r.choice(_SECTOR_WORDS)
        core = f"{b} {sector} {r.choice(_TAILS)}"
    words = slugify(core).split("-")
    slug = words[0] if (len(words) > 1 and r.random() < 0.25 and len(words[0]) > 4) else "-".join(w for w in words if w != "and")
    return CompanyName(core, suffix, slug, SECTORS[sector])


def domain_for(r: random.Random, name: CompanyName, country: Country) -> str:
    """The company's web domain: its slug, hyphens kept or dropped, under the local TLD or .com."""
    slug = name.slug if r.random() < 0.45 else name.slug.replace("-", "")
    tld = country.tld if r.random() < 0.6 else ("io" if r.random() < 0.1 else "com")
    return f"{slug}.{tld}"


def typo(r: random.Random, text: str) -> str:
    """One realistic keyboard slip in the longest word (swap, drop or double a letter)."""
    words = text.split(" ")
    k = max(range(len(words)), key=lambda n: len(words[n]))
    w = words[k]
    if len(w) < 4:
        return text
    p = r.randrange(1, len(w) - 2)
    kind = r.randrange(3)
    if kind == 0:
        w = w[:p] + w[p + 1] + w[p] + w[p + 2:]
    elif kind == 1:
        w = w[:p] + w[p + 1:]
    else:
        w = w[:p] + w[p] + w[p:]
    words[k] = w
    return " ".join(words)


def abbreviate(text: str) -> str:
    out = [_ABBREV.get(w, w) for w in text.split(" ")]
    return " ".join(out).replace(" and ", " & ")


def company_variant(r: random.Random, name: CompanyName, mode: str) -> str:
    """``name`` as someone else typed it. Modes: exact, suffix, abbrev, case, accent, typo, order, region."""
    core, suffix = name.core, name.suffix
    if mode == "exact":
        return name.full
    if mode == "suffix":  # dropped, or written differently
        if suffix and r.random() < 0.6:
            return core
        return f"{core} {_SUFFIX_SWAP.get(suffix or '', r.choice(('Inc', 'Ltd', 'GmbH', 'S.A.')))}"
    if mode == "abbrev":
        short = abbreviate(core)
        if short == core:
            short = core.split(" ")[0] if " " in core else core
        return f"{short} {suffix}" if suffix and r.random() < 0.5 else short
    if mode == "case":
        text = name.full if r.random() < 0.5 else core
        return text.upper() if r.random() < 0.5 else text.lower()
    if mode == "accent":
        folded = strip_accents(name.full) if r.random() < 0.6 else ascii_fold(name.full)
        return folded if folded.strip() else name.slug.replace("-", " ").title()
    if mode == "typo":
        return typo(r, core) + (f" {suffix}" if suffix and r.random() < 0.5 else "")
    if mode == "order":  # "Veltora Logistics" -> "Logistics Veltora" / "Veltora (Logistics)"
        parts = core.split(" ")
        if len(parts) >= 2 and r.random() < 0.5:
            return f"{parts[0]} ({' '.join(parts[1:])})"
        return " ".join(parts[1:] + parts[:1]) if len(parts) >= 2 else core
    if mode == "region":
        return f"{core} {r.choice(('EMEA', 'Europe', 'Germany', 'France', 'US', 'UK'))}"
    raise ValueError(mode)


def website(r: random.Random, domain: str) -> str:
    """How the domain was typed into a website field: scheme, www, case, port, path, trailing slash or space."""
    shapes = ("https://www.{d}/", "{d}", "http://{D}:8080/path", "www.{d}", "https://{d}", "https://www.{d}/en/home",
              "http://{d}/", "{d} ", "HTTPS://WWW.{D}", "https://{d}/contact")
    weights = (28, 22, 2, 16, 12, 5, 6, 3, 2, 4)
    shape = r.choices(shapes, weights)[0]
    return shape.format(d=domain, D=domain.upper())


def person(r: random.Random, country_code: str) -> tuple[str, str]:
    """(first, last) in the country's language (Japanese sometimes written in kanji order/script)."""
    first_names, last_names = FIRST_LAST[person_lang(country_code)]
    return r.choice(first_names), r.choice(last_names)


def email(r: random.Random, first: str, last: str, domain: str, free_mail: float = 0.0) -> str:
    """An e-mail as CRMs hold them: usual local-part shapes, mixed case now and then, some on free-mail."""
    f, l_ = ascii_fold(first).lower().replace(" ", ""), ascii_fold(last).lower().replace(" ", "").replace("'", "")
    host = r.choice(FREE_MAIL) if r.random() < free_mail else domain
    local = r.choice((f"{f}.{l_}", f"{f[0]}{l_}", f"{f}", f"{f}.{l_}", f"{f}_{l_}", f"{l_}.{f}"))
    addr = f"{local}@{host}"
    roll = r.random()
    if roll < 0.08:
        addr = f"{first.split(' ')[0]}.{last.replace(' ', '')}@{host.capitalize()}"
        addr = ascii_fold(addr)
    elif roll < 0.11:
        addr = addr.upper()
    return addr


def phone(r: random.Random, country: Country) -> str:
    digits = "".join(str(r.randrange(10)) for _ in range(9))
    shape = r.randrange(3)
    if shape == 0:
        return f"+{country.phone} {digits[:3]} {digits[3:6]} {digits[6:]}"
    if shape == 1:
        return f"+{country.phone}{digits}"
    return f"0{digits[:2]} {digits[2:5]} {digits[5:]}"


def e164(text: str, country: Country) -> str:
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        return "+" + digits
    return f"+{country.phone}{digits.lstrip('0')}"
