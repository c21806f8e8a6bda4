"""Public device codes: 8 Crockford base32 symbols plus one check symbol, printed `7K3M-9QXT-H`.

The check symbol is a Damm check over GF(32): each step is `x ∘ y = 2·x ⊕ y` in GF(2^5). That
operation is a totally anti-symmetric quasigroup, so every single-symbol typo and every swap of
two adjacent symbols (check symbol included) changes the result. Crockford's own mod-37 check
needs symbols (`*~$=U`) that are awkward to type and to put in a URL; this one stays in the
32-symbol alphabet.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# Crockford decoding: letters that look like digits are read as those digits.
_ALIASES = {"O": "0", "I": "1", "L": "1"}
DATA_LENGTH = 8
_POLY = 0b100101  # x^5 + x^2 + 1, irreducible over GF(2)


def _times_two(x: int) -> int:
    x <<= 1
    if x & 0b100000:
        x ^= _POLY
    return x


def _fold(values: list[int]) -> int:
    interim = 0
    for v in values:
        interim = _times_two(interim) ^ v
    return interim


def check_symbol(data: str) -> str:
    """The symbol that makes the whole code fold to zero."""
    return ALPHABET[_times_two(_fold([_VALUE[c] for c in data]))]


class CodeError(ValueError):
    """A code that cannot be a device code. `kind` is 'malformed' or 'mistyped'."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class ParsedCode:
    canonical: str  # 9 symbols, no dashes: what the database stores

    @property
    def printed(self) -> str:
        return format_code(self.canonical)


def new_code() -> str:
    """A random canonical code (40 random bits + check symbol)."""
    n = secrets.randbits(5 * DATA_LENGTH)
    data = "".join(ALPHABET[(n >> (5 * i)) & 31] for i in reversed(range(DATA_LENGTH)))
    return data + check_symbol(data)


def format_code(canonical: str) -> str:
    return f"{canonical[:4]}-{canonical[4:8]}-{canonical[8:]}"


def normalize(raw: str) -> str:
    """Upper-case, drop dashes and spaces, read O as 0 and I/L as 1."""
    text = "".join(ch for ch in raw.strip().upper() if ch not in "- \t")
    return "".join(_ALIASES.get(ch, ch) for ch in text)


def parse_code(raw: str) -> ParsedCode:
    """Accepts any case, with or without dashes; raises CodeError saying what is wrong."""
    text = normalize(raw)
    if len(text) != DATA_LENGTH + 1:
        raise CodeError(
            "malformed",
            f"Un code d'appareil a 9 signes (comme 7K3M-9QXT-H) ; celui-ci en a {len(text)}.",
        )
    bad = sorted({ch for ch in text if ch not in _VALUE})
    if bad:
        raise CodeError("malformed", f"Un code d'appareil ne peut pas contenir {', '.join(bad)}.")
    if _fold([_VALUE[c] for c in text]) != 0:
        raise CodeError("mistyped", "Ce code semble mal saisi : son dernier signe ne correspond pas.")
    return ParsedCode(text)


def extract_code(scanned: str) -> str:
    """The code part of what a scanner read: a bare code or a label URL ending in /d/{code}."""
    text = scanned.strip()
    marker = "/d/"
    if marker in text:
        text = text.rsplit(marker, 1)[1].split("?", 1)[0].split("#", 1)[0].strip("/")
    return text
