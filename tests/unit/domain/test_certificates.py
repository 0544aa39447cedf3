import math
import random
import re
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.certificates import (
    ALPHABET,
    LENGTH,
    code_digest,
    generate_code,
    normalize_code,
)
from bot.domain.errors import InvalidCertificateCode, InvalidInput

CODE = "GIFT-7KQM-X3PA-9WTE-HV4C"
SHAPE = re.compile(r"^GIFT(-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}){4}$")


def fixed(data: bytes) -> Callable[[int], bytes]:
    def randbytes(n: int) -> bytes:
        assert n == len(data)
        return data

    return randbytes


def test_alphabet_has_no_look_alikes_and_enough_entropy() -> None:
    assert not set("0O1IL") & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET)
    assert LENGTH * math.log2(len(ALPHABET)) >= 60


def test_generated_code_is_grouped() -> None:
    code = generate_code(random.Random(7).randbytes)
    assert SHAPE.match(code)


def test_different_random_bytes_give_different_codes() -> None:
    rng = random.Random(1)
    codes = {generate_code(rng.randbytes) for _ in range(1000)}
    assert len(codes) == 1000


def test_extreme_random_bytes_still_give_valid_codes() -> None:
    assert generate_code(fixed(bytes(16))) == "GIFT-2222-2222-2222-2222"
    assert SHAPE.match(generate_code(fixed(b"\xff" * 16)))


@pytest.mark.parametrize(
    "typed",
    [
        CODE,
        CODE.lower(),
        "gift 7kqm x3pa 9wte hv4c",
        "7KQMX3PA9WTEHV4C",
        "  7kqm-x3pa-9wte-hv4c \n",
        "GIFT–7KQM—X3PA-9WTE-HV4C",  # dashes from a word processor
        "gift-7кqм-x3ра-9wте-hv4с",  # Cyrillic к, м, р, а, т, е, с typed on a Russian keyboard
    ],
)
def test_typed_variants_normalize_to_the_code(typed: str) -> None:
    assert normalize_code(typed) == CODE


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "GIFT",
        "GIFT-7KQM-X3PA-9WTE",  # a group short
        "GIFT-7KQM-X3PA-9WTE-HV4C-2",
        "GIFT-0KQM-X3PA-9WTE-HV4C",  # 0 is not in the alphabet
        "GIFT-IKQM-X3PA-9WTE-HV4C",
        "GIFT-7KQM-X3PA-9WTE-HV4Ж",
        "GIFTGIFT-7KQM-X3PA-9WTE-HV4C",
        "/start",
        "7" * 10_000,
    ],
)
def test_garbage_is_not_a_code(garbage: str) -> None:
    assert normalize_code(garbage) is None


def test_digest_is_the_same_for_every_way_of_typing_the_code() -> None:
    digest = code_digest(CODE)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert code_digest("gift 7kqm x3pa 9wte hv4c") == digest
    assert code_digest("GIFT-7KQM-X3PA-9WTE-HV4D") != digest


def test_digest_of_garbage_is_refused() -> None:
    with pytest.raises(InvalidCertificateCode) as caught:
        code_digest("hello")
    assert isinstance(caught.value, InvalidInput)


@given(st.binary(min_size=16, max_size=16))
def test_generated_codes_normalize_to_themselves(data: bytes) -> None:
    code = generate_code(fixed(data))
    assert SHAPE.match(code)
    assert normalize_code(code) == code
    assert normalize_code(code.lower().replace("-", " ")) == code


@given(st.text())
def test_normalize_never_raises(text: str) -> None:
    result = normalize_code(text)
    assert result is None or SHAPE.match(result)
