"""Japanese company names read the way their romanised forms are written: 三菱商事 -> 'mitsubishi shoji'.

anyascii reads kanji as Chinese (三菱商事 -> 'sanlingshangshi'), so a 株式会社 name never met its 'K.K.' twin.
A dictionary (Sudachi, small edition) gives each word's reading; the kana become simplified Hepburn, the
spelling of company names and their domains (Tokyo, Shoji, Daiichi: long vowels not written).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import jaconv
from anyascii import anyascii

_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# legal forms only Japanese companies carry (有限公司 and 股份 are Chinese)
JAPANESE_LEGAL = ("株式会社", "有限会社", "合同会社", "合資会社", "合名会社", "相互会社",
                  "(株)", "（株）", "㈱", "(有)", "（有）", "㈲")
JAPAN = {"jp", "jpn", "japan", "日本", "nihon", "nippon", "japon", "japão", "giappone", "japonia"}


def is_japan(country: Any) -> bool:
    """The country field names Japan (ISO code, English or native name)."""
    return bool(country) and str(country).strip().lower() in JAPAN


def reads_as_japanese(value: str, country: Any = None) -> bool:
    """Kana, a Japanese legal form, or kanji of a company in Japan: read the kanji the Japanese way."""
    if _KANA.search(value) or any(form in value for form in JAPANESE_LEGAL):
        return True
    return bool(_HAN.search(value)) and is_japan(country)


@lru_cache(maxsize=1)
def _tokenizer():
    from sudachipy import Dictionary, SplitMode

    return Dictionary(dict="small").tokenizer(mode=SplitMode.C)


def _hepburn(kana: str) -> str:
    """Katakana reading -> simplified Hepburn: long vowels folded (ou, uu, oo, ー) as company names write them."""
    s = jaconv.kata2alphabet(jaconv.hira2kata(kana)).replace("-", "").replace("'", "")
    return s.replace("ou", "o").replace("oo", "o").replace("uu", "u")


@lru_cache(maxsize=65_536)
def romanize(value: str) -> str:
    """Each word of a Japanese name by its dictionary reading, in Hepburn; Latin words and digits kept."""
    words = []
    for m in _tokenizer().tokenize(value):
        surface = m.surface()
        if not surface.strip():
            continue
        if not (_KANA.search(surface) or _HAN.search(surface)):
            words.append(anyascii(surface))
            continue
        reading = m.reading_form()
        words.append(_hepburn(reading) if _KANA.search(reading) else anyascii(surface))
    return " ".join(w for w in words if w.strip())
