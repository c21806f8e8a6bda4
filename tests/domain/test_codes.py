"""Public device codes: format, lenient input, and the check symbol catching typos."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from collecte.domain.codes import (
    ALPHABET,
    CodeError,
    check_symbol,
    extract_code,
    format_code,
    new_code,
    parse_code,
)

data_parts = st.text(alphabet=ALPHABET, min_size=8, max_size=8)


def test_a_new_code_has_nine_symbols_and_parses_back():
    code = new_code()
    assert len(code) == 9 and set(code) <= set(ALPHABET)
    assert parse_code(code).canonical == code


def test_a_code_is_printed_in_groups_of_four_four_and_one():
    assert format_code("7K3M9QXTH") == "7K3M-9QXT-H"


def test_input_accepts_any_case_dashes_spaces_and_look_alike_letters():
    code = "7K3M9QX1" + check_symbol("7K3M9QX1")
    variants = [code.lower(), format_code(code), " " + format_code(code).lower() + " ",
                code[:7] + "I" + code[8:], code[:7] + "l" + code[8:]]
    for typed in variants:
        assert parse_code(typed).canonical == code


def test_letter_o_is_read_as_zero():
    code = "0K3M9QX2" + check_symbol("0K3M9QX2")
    assert parse_code("O" + code[1:]).canonical == code


@pytest.mark.parametrize("typed", ["", "7K3M", "7K3M-9QXT-HH", "7K3M-9QXT-U", "7K3M-9Q*T-H"])
def test_malformed_input_says_what_is_wrong(typed):
    with pytest.raises(CodeError) as info:
        parse_code(typed)
    assert info.value.kind == "malformed"
    assert str(info.value)


@given(data_parts, st.integers(0, 8), st.integers(1, 31))
def test_every_single_symbol_typo_is_caught(data, position, shift):
    code = data + check_symbol(data)
    wrong = ALPHABET[(ALPHABET.index(code[position]) + shift) % 32]
    typo = code[:position] + wrong + code[position + 1:]
    with pytest.raises(CodeError) as info:
        parse_code(typo)
    assert info.value.kind == "mistyped"


@given(data_parts, st.integers(0, 7))
def test_every_adjacent_swap_is_caught(data, position):
    code = data + check_symbol(data)
    if code[position] == code[position + 1]:
        return  # swapping equal symbols changes nothing
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2:]
    with pytest.raises(CodeError):
        parse_code(swapped)


def test_all_adjacent_swaps_of_all_symbol_pairs_are_caught_exhaustively():
    """Beyond sampling: for every pair of distinct symbols, at every position."""
    base = "7K3M9QXT"
    for position in range(8):
        for a in ALPHABET:
            for b in ALPHABET:
                if a == b:
                    continue
                data = base[:position] + a + base[position + 1:]
                if position < 7:
                    data = data[:position + 1] + b + data[position + 2:]
                code = data + check_symbol(data)
                swapped = code[:position] + code[position + 1] + code[position] + code[position + 2:]
                if swapped != code:
                    with pytest.raises(CodeError):
                        parse_code(swapped)


def test_a_label_url_yields_its_code():
    assert extract_code("https://collecte.test/d/7K3M9QXTH") == "7K3M9QXTH"
    assert extract_code("https://collecte.test/d/7K3M9QXTH?x=1") == "7K3M9QXTH"
    assert extract_code("7k3m-9qxt-h") == "7k3m-9qxt-h"
