"""Countries, states and cities of the demo (a realistic subset of Odoo's 250 countries / 1,748 states).

Why a subset: the customers of a European AWS partner live in a few dozen countries; the rows keep
Odoo's shapes (jsonb translated names, phone codes, currency ids) and the ACE side's vocabulary
(ISO alpha-2 CountryCode, the API's US state names).
"""

from __future__ import annotations

from dataclasses import dataclass

# res_currency is not part of the demo; these are the ids the currency_id columns use.
CURRENCY_IDS = {"EUR": 1, "USD": 2, "GBP": 3, "CHF": 4, "JPY": 5, "AUD": 6, "CAD": 7, "BRL": 8, "INR": 9,
                "DKK": 10, "SEK": 11, "PLN": 12, "SGD": 13, "NOK": 14, "MAD": 15}


@dataclass(frozen=True)
class Country:
    code: str
    en: str
    fr: str | None
    phone: int
    currency: str
    tld: str
    suffixes: tuple[str, ...]
    weight: int
    lang: str
    tz: str
    cities: tuple[tuple[str, str | None, str], ...]  # (city, state code or None, zip)


COUNTRIES: tuple[Country, ...] = (
    Country("US", "United States", "États-Unis", 1, "USD", "com", ("Inc", "Inc.", "LLC", "Corp.", "Corporation", "Co."), 22,
            "en_US", "America/New_York",
            (("New York", "NY", "10013"), ("Seattle", "WA", "98109"), ("Austin", "TX", "78701"), ("Boston", "MA", "02110"),
             ("San Francisco", "CA", "94105"), ("Chicago", "IL", "60601"), ("Denver", "CO", "80202"), ("Atlanta", "GA", "30303"))),
    Country("DE", "Germany", "Allemagne", 49, "EUR", "de", ("GmbH", "AG", "GmbH & Co. KG", "SE", "e.K."), 16, "de_DE",
            "Europe/Berlin",
            (("München", "BY", "80331"), ("Berlin", "BE", "10115"), ("Hamburg", "HH", "20095"), ("Köln", "NW", "50667"),
             ("Frankfurt am Main", "HE", "60311"), ("Stuttgart", "BW", "70173"), ("Düsseldorf", "NW", "40213"))),
    Country("FR", "France", "France", 33, "EUR", "fr", ("S.A.", "S.A.S.", "SAS", "SARL", "SA"), 14, "fr_FR", "Europe/Paris",
            (("Paris", None, "75008"), ("Lyon", None, "69002"), ("Toulouse", None, "31000"), ("Nantes", None, "44000"),
             ("Bordeaux", None, "33000"), ("Lille", None, "59000"), ("Marseille", None, "13001"))),
    Country("GB", "United Kingdom", "Royaume-Uni", 44, "GBP", "co.uk", ("Ltd", "Ltd.", "Limited", "PLC", "plc"), 9, "en_GB",
            "Europe/London",
            (("London", None, "EC2A 4BX"), ("Manchester", None, "M1 1AE"), ("Edinburgh", None, "EH2 2BY"),
             ("Bristol", None, "BS1 4DJ"), ("Leeds", None, "LS1 4AP"))),
    Country("CH", "Switzerland", "Suisse", 41, "CHF", "ch", ("AG", "SA", "GmbH", "Sàrl"), 4, "de_CH", "Europe/Zurich",
            (("Zürich", "ZH", "8001"), ("Genève", "GE", "1201"), ("Basel", "BS", "4051"), ("Lausanne", "VD", "1003"))),
    Country("AT", "Austria", "Autriche", 43, "EUR", "at", ("GmbH", "AG"), 3, "de_AT", "Europe/Vienna",
            (("Wien", None, "1010"), ("Graz", None, "8010"), ("Linz", None, "4020"))),
    Country("NL", "Netherlands", "Pays-Bas", 31, "EUR", "nl", ("B.V.", "BV", "N.V."), 5, "nl_NL", "Europe/Amsterdam",
            (("Amsterdam", None, "1012 AB"), ("Rotterdam", None, "3011 AD"), ("Utrecht", None, "3511 AX"),
             ("Eindhoven", None, "5611 AZ"))),
    Country("BE", "Belgium", "Belgique", 32, "EUR", "be", ("NV", "SA", "BV", "SRL"), 4, "fr_BE", "Europe/Brussels",
            (("Bruxelles", None, "1000"), ("Antwerpen", None, "2000"), ("Gent", None, "9000"), ("Liège", None, "4000"))),
    Country("LU", "Luxembourg", "Luxembourg", 352, "EUR", "lu", ("S.A.", "S.à r.l."), 2, "fr_FR", "Europe/Luxembourg",
            (("Luxembourg", None, "L-1611"), ("Esch-sur-Alzette", None, "L-4001"))),
    Country("ES", "Spain", "Espagne", 34, "EUR", "es", ("S.L.", "S.A.", "SL"), 4, "es_ES", "Europe/Madrid",
            (("Madrid", None, "28001"), ("Barcelona", None, "08001"), ("Valencia", None, "46001"), ("Sevilla", None, "41001"))),
    Country("IT", "Italy", "Italie", 39, "EUR", "it", ("SpA", "S.p.A.", "S.r.l.", "Srl"), 4, "it_IT", "Europe/Rome",
            (("Milano", None, "20121"), ("Roma", None, "00184"), ("Torino", None, "10121"), ("Bologna", None, "40121"))),
    Country("DK", "Denmark", "Danemark", 45, "DKK", "dk", ("A/S", "ApS"), 2, "da_DK", "Europe/Copenhagen",
            (("København", None, "1050"), ("Aarhus", None, "8000"), ("Odense", None, "5000"))),
    Country("SE", "Sweden", "Suède", 46, "SEK", "se", ("AB",), 2, "sv_SE", "Europe/Stockholm",
            (("Stockholm", None, "111 20"), ("Göteborg", None, "411 04"), ("Malmö", None, "211 20"))),
    Country("NO", "Norway", "Norvège", 47, "NOK", "no", ("AS", "ASA"), 1, "nb_NO", "Europe/Oslo",
            (("Oslo", None, "0150"), ("Bergen", None, "5003"))),
    Country("PL", "Poland", "Pologne", 48, "PLN", "pl", ("Sp. z o.o.", "S.A."), 2, "pl_PL", "Europe/Warsaw",
            (("Warszawa", None, "00-001"), ("Kraków", None, "30-001"), ("Łódź", None, "90-001"), ("Wrocław", None, "50-001"))),
    Country("IE", "Ireland", "Irlande", 353, "EUR", "ie", ("Ltd", "DAC", "Limited"), 2, "en_IE", "Europe/Dublin",
            (("Dublin", None, "D02 X285"), ("Cork", None, "T12 X70A"))),
    Country("PT", "Portugal", None, 351, "EUR", "pt", ("Lda", "S.A."), 1, "pt_PT", "Europe/Lisbon",
            (("Lisboa", None, "1100-148"), ("Porto", None, "4000-322"))),
    Country("CA", "Canada", "Canada", 1, "CAD", "ca", ("Inc.", "Ltd.", "Corp."), 3, "en_CA", "America/Toronto",
            (("Toronto", "ON", "M5H 2N2"), ("Montréal", "QC", "H2Y 1C6"), ("Vancouver", "BC", "V6B 1A1"))),
    Country("AU", "Australia", "Australie", 61, "AUD", "com.au", ("Pty Ltd", "Pty. Ltd.", "Limited"), 3, "en_AU",
            "Australia/Sydney",
            (("Sydney", "NSW", "2000"), ("Melbourne", "VIC", "3000"), ("Brisbane", "QLD", "4000"))),
    Country("JP", "Japan", "Japon", 81, "JPY", "co.jp", ("K.K.", "Co., Ltd.", "株式会社"), 2, "ja_JP", "Asia/Tokyo",
            (("東京", "13", "100-0005"), ("Osaka", "27", "530-0001"), ("Yokohama", "14", "220-0011"))),
    Country("BR", "Brazil", "Brésil", 55, "BRL", "com.br", ("Ltda", "Ltda.", "S.A."), 2, "pt_BR", "America/Sao_Paulo",
            (("São Paulo", "SP", "01310-100"), ("Rio de Janeiro", "RJ", "20040-020"), ("Curitiba", "PR", "80010-000"))),
    Country("IN", "India", "Inde", 91, "INR", "in", ("Pvt Ltd", "Private Limited", "Ltd"), 2, "en_IN", "Asia/Kolkata",
            (("Bengaluru", "KA", "560001"), ("Mumbai", "MH", "400001"), ("Pune", "MH", "411001"), ("Hyderabad", "TG", "500001"))),
    Country("SG", "Singapore", "Singapour", 65, "SGD", "com.sg", ("Pte Ltd", "Pte. Ltd."), 1, "en_SG", "Asia/Singapore",
            (("Singapore", None, "018989"),)),
    Country("MA", "Morocco", "Maroc", 212, "MAD", "ma", ("SARL", "S.A."), 1, "fr_FR", "Africa/Casablanca",
            (("Casablanca", None, "20000"), ("Rabat", None, "10000"))),
)

# res_country_state rows: (country code, state code, name). Names as Odoo ships them (plain varchar).
STATES: tuple[tuple[str, str, str], ...] = (
    ("US", "NY", "New York"), ("US", "WA", "Washington"), ("US", "TX", "Texas"), ("US", "MA", "Massachusetts"),
    ("US", "CA", "California"), ("US", "IL", "Illinois"), ("US", "CO", "Colorado"), ("US", "GA", "Georgia"),
    ("US", "FL", "Florida"), ("US", "VA", "Virginia"), ("US", "OR", "Oregon"), ("US", "NJ", "New Jersey"),
    ("DE", "BY", "Bayern"), ("DE", "BE", "Berlin"), ("DE", "HH", "Hamburg"), ("DE", "NW", "Nordrhein-Westfalen"),
    ("DE", "HE", "Hessen"), ("DE", "BW", "Baden-Württemberg"), ("DE", "SN", "Sachsen"),
    ("CH", "ZH", "Zürich"), ("CH", "GE", "Genève"), ("CH", "BS", "Basel-Stadt"), ("CH", "VD", "Vaud"),
    ("CA", "ON", "Ontario"), ("CA", "QC", "Quebec"), ("CA", "BC", "British Columbia"), ("CA", "AB", "Alberta"),
    ("AU", "NSW", "New South Wales"), ("AU", "VIC", "Victoria"), ("AU", "QLD", "Queensland"),
    ("JP", "13", "Tokyo"), ("JP", "27", "Osaka"), ("JP", "14", "Kanagawa"),
    ("BR", "SP", "São Paulo"), ("BR", "RJ", "Rio de Janeiro"), ("BR", "PR", "Paraná"),
    ("IN", "KA", "Karnataka"), ("IN", "MH", "Maharashtra"), ("IN", "TG", "Telangana"), ("IN", "TN", "Tamil Nadu"),
)

COUNTRY_ID = {c.code: n for n, c in enumerate(COUNTRIES, start=1)}
STATE_ID = {(cc, sc): n for n, (cc, sc, _) in enumerate(STATES, start=1)}
WEIGHTED_COUNTRIES = tuple(c for c in COUNTRIES for _ in range(c.weight))
