"""The scanner reading: label URLs, any case, and US-layout scanners on AZERTY machines."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collecte.domain.codes import CodeError, format_code, new_code
from collecte.domain.scanner import (
    AZERTY_TO_US,
    US_ON_AZERTY,
    US_TO_AZERTY,
    read_scan,
    repair,
)


def typed_on_azerty(text: str) -> str:
    """What an AZERTY machine shows when a US-layout scanner types `text`."""
    return "".join(US_TO_AZERTY.get(ch, ch) for ch in text)


def test_the_digit_row_comes_through_as_the_azerty_symbols():
    assert typed_on_azerty("1234567890") == "&é\"'(-è_çà"
    assert repair("&é\"'(-è_çà") == "1234567890"


def test_letters_that_sit_elsewhere_on_azerty_are_swapped_back():
    assert typed_on_azerty("AQZWM") == "QAWZ?"
    assert repair("QAWZ?") == "AQZWM"


def test_the_layout_table_is_a_bijection():
    assert len(AZERTY_TO_US) == len(US_TO_AZERTY)
    assert all(US_TO_AZERTY[AZERTY_TO_US[typed]] == typed for typed in AZERTY_TO_US)


def test_a_bare_code_reads_in_any_case_with_or_without_dashes():
    code = new_code()
    for text in (code, code.lower(), format_code(code), f"  {format_code(code).lower()} "):
        reading = read_scan(text)
        assert reading.canonical == code and not reading.repaired


def test_a_label_url_reads_as_its_code():
    code = new_code()
    assert read_scan(f"https://collecte.test/d/{code}").canonical == code
    assert read_scan(f"https://collecte.test/d/{code}?src=qr").canonical == code


def test_a_us_scanner_on_azerty_typing_a_printed_code_is_repaired():
    reading = read_scan(typed_on_azerty(format_code(_valid("7K3M9QXT"))))
    assert reading.repaired and reading.canonical == _valid("7K3M9QXT")


def test_a_us_scanner_on_azerty_reading_a_label_url_is_repaired():
    code = new_code()
    typed = typed_on_azerty(f"http://127.0.0.1:5000/d/{code}")
    assert ":" in typed and "!d!" in typed
    assert read_scan(typed).canonical == code


@given(st.integers(min_value=0, max_value=2**40 - 1), st.booleans(), st.booleans())
def test_every_code_survives_the_wrong_layout(n, dashed, as_url):
    code = _code_from_int(n)
    text = format_code(code) if dashed else code
    if as_url:
        text = f"https://collecte.example/d/{text}"
    reading = read_scan(typed_on_azerty(text), layout=US_ON_AZERTY)
    assert reading.canonical == code


def test_a_station_that_knows_its_scanner_repairs_codes_without_digits():
    code = _valid("QAZWQAZW")
    assert read_scan(typed_on_azerty(code), layout=US_ON_AZERTY).canonical == code


def test_a_mistyped_code_is_still_reported_as_mistyped():
    code = new_code()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(CodeError) as error:
        read_scan(wrong)
    assert error.value.kind == "mistyped"


def test_garbage_is_malformed():
    with pytest.raises(CodeError) as error:
        read_scan("bonjour")
    assert error.value.kind == "malformed"


def _valid(data: str) -> str:
    from collecte.domain.codes import check_symbol

    return data + check_symbol(data)


def _code_from_int(n: int) -> str:
    from collecte.domain.codes import ALPHABET

    return _valid("".join(ALPHABET[(n >> (5 * i)) & 31] for i in reversed(range(8))))
