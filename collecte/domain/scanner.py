"""Reading what a barcode scanner typed: label URLs, and US-layout scanners on AZERTY machines.

A USB/Bluetooth scanner sends key positions, not characters. Set to a US layout on a French
AZERTY computer, each key it presses is read through the AZERTY layout: `1234567890` arrives as
`&é"'(-è_çà`, `A`/`Q` and `Z`/`W` swap, `M` (the key right of L on AZERTY is US `;`, and US `M`
is the AZERTY `,` key) arrives as `?` once shifted, `-` as `)`, `:` as `M`, `/` as `!`, `.` as
`:`. The table below is that keyboard mapping (US character → what AZERTY shows); it is a
bijection on the keys it lists, so repairing is applying it backwards. The same table is mirrored
in `collecte/static/js/scanner.js` (a browser test checks that both agree).
"""

from __future__ import annotations

from dataclasses import dataclass

from .codes import CodeError, extract_code, parse_code

# US character typed by the scanner -> character an AZERTY (fr-FR) machine shows for that key.
US_TO_AZERTY: dict[str, str] = {
    **dict(zip("1234567890", "&é\"'(-è_çà", strict=True)),
    **dict(zip("!@#$%^&*()", "1234567890", strict=True)),
    "-": ")", "_": "°",
    "a": "q", "q": "a", "z": "w", "w": "z", "m": ",",
    "A": "Q", "Q": "A", "Z": "W", "W": "Z", "M": "?",
    ",": ";", "<": ".", ".": ":", ">": "/", "/": "!", "?": "§",
    ";": "m", ":": "M", "'": "ù", '"': "%",
}
AZERTY_TO_US: dict[str, str] = {typed: meant for meant, typed in US_TO_AZERTY.items()}
assert len(AZERTY_TO_US) == len(US_TO_AZERTY), "the layout table must be a bijection"

US_ON_AZERTY = "us-on-azerty"
# Characters that a code or a label URL never contains but a US scanner on AZERTY produces.
_AZERTY_MARKS = frozenset("&é\"'(è_çà?§°ù!%)")


def repair(typed: str) -> str:
    """What a US-layout scanner meant, from what an AZERTY machine received."""
    return "".join(AZERTY_TO_US.get(ch, ch) for ch in typed)


def looks_mistranslated(typed: str) -> bool:
    """True when the text holds characters only a US scanner on AZERTY would produce."""
    return any(ch in _AZERTY_MARKS for ch in typed)


@dataclass(frozen=True)
class Reading:
    canonical: str  # the stored code (9 symbols, no dashes)
    repaired: bool  # True when the keyboard-layout repair was needed


def read_scan(typed: str, layout: str | None = None) -> Reading:
    """The device code in what a scanner typed (bare code or label URL, any case, dashes
    optional), repairing a US-layout scanner on AZERTY. Raises CodeError (malformed/mistyped).

    The text is taken as it is when it is a valid code and shows no sign of the wrong layout;
    otherwise (or when the station already knows its scanner is `us-on-azerty`) the repaired
    text is tried. The check symbol tells whether a reading is right.
    """
    candidates = [(typed, False), (repair(typed), True)]
    if layout == US_ON_AZERTY or looks_mistranslated(typed):
        candidates.reverse()
    first_error: CodeError | None = None
    for text, repaired in candidates:
        try:
            return Reading(parse_code(extract_code(text)).canonical, repaired)
        except CodeError as error:
            first_error = first_error or error
    assert first_error is not None
    raise first_error
