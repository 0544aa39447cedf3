"""QR card tokens and typed card codes."""

import base64
import contextlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.card_token import (
    CARD_CODE_LENGTH,
    CARD_START_PREFIX,
    MAX_CARD_CODE_MEMBER_ID,
    TOKEN_LENGTH,
    _luhn_check_digit,
    card_code_for,
    format_card_code,
    issue_card_token,
    member_id_from_card_code,
    parse_card_code,
    verify_card_token,
)
from bot.domain.errors import CardTokenExpired, CardTokenInvalid, DomainError, InvalidInput

SECRET = b"test-secret-0123456789abcdef0123"
OTHER_SECRET = b"test-secret-0123456789abcdef0124"
NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
TTL = timedelta(minutes=5)
DEEP_LINK_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _verify(token: str, now: datetime = NOW, secret: bytes = SECRET) -> int:
    return verify_card_token(token, now, secret, TTL)


# --- QR token ---------------------------------------------------------------------------------


@pytest.mark.parametrize("member_id", [1, 42, 2**31, 2**63 - 1, 2**64 - 1])
def test_token_round_trip_returns_the_member_id(member_id: int) -> None:
    assert _verify(issue_card_token(member_id, NOW, SECRET)) == member_id


def test_token_fits_a_telegram_deep_link() -> None:
    token = issue_card_token(2**64 - 1, datetime(2100, 1, 1, tzinfo=UTC), SECRET)
    assert len(token) == TOKEN_LENGTH <= 62
    assert DEEP_LINK_PAYLOAD.fullmatch(CARD_START_PREFIX + token)


def test_token_is_accepted_until_the_ttl_and_refused_after() -> None:
    token = issue_card_token(7, NOW, SECRET)
    assert _verify(token, NOW + TTL) == 7
    with pytest.raises(CardTokenExpired) as caught:
        _verify(token, NOW + TTL + timedelta(seconds=1))
    assert caught.value.code == "card-token-expired"


def test_token_tolerates_a_small_clock_skew() -> None:
    token = issue_card_token(7, NOW + timedelta(seconds=20), SECRET)
    assert _verify(token, NOW) == 7


def test_token_from_the_future_is_invalid() -> None:
    token = issue_card_token(7, NOW + timedelta(minutes=2), SECRET)
    with pytest.raises(CardTokenInvalid) as caught:
        _verify(token, NOW)
    assert caught.value.code == "card-token-invalid"
    assert isinstance(caught.value, InvalidInput)


def test_token_signed_with_another_secret_is_invalid() -> None:
    token = issue_card_token(7, NOW, OTHER_SECRET)
    with pytest.raises(CardTokenInvalid):
        _verify(token)


def test_forged_old_token_is_invalid_not_expired() -> None:
    token = issue_card_token(7, NOW - timedelta(days=1), OTHER_SECRET)
    with pytest.raises(CardTokenInvalid):
        _verify(token)


def test_every_single_character_change_is_refused() -> None:
    token = issue_card_token(123456, NOW, SECRET)
    for position, original in enumerate(token):
        for replacement in BASE64URL:
            if replacement == original:
                continue
            changed = token[:position] + replacement + token[position + 1 :]
            with pytest.raises(CardTokenInvalid):
                _verify(changed)


def test_every_truncation_and_extension_is_refused() -> None:
    token = issue_card_token(123456, NOW, SECRET)
    for length in range(len(token)):
        with pytest.raises(CardTokenInvalid):
            _verify(token[:length])
    for suffix in ("A", "AA", "AAAA", "=", "==", "\n", " "):
        with pytest.raises(CardTokenInvalid):
            _verify(token + suffix)


def test_the_member_id_cannot_be_swapped_for_another() -> None:
    raw = bytearray(base64.urlsafe_b64decode(issue_card_token(1000, NOW, SECRET)))
    raw[8] ^= 1  # the member id's lowest byte: 1000 -> 1001
    with pytest.raises(CardTokenInvalid):
        _verify(base64.urlsafe_b64encode(bytes(raw)).decode())


def test_a_token_of_another_version_is_refused() -> None:
    raw = bytearray(base64.urlsafe_b64decode(issue_card_token(1000, NOW, SECRET)))
    raw[0] = 2
    with pytest.raises(CardTokenInvalid):
        _verify(base64.urlsafe_b64encode(bytes(raw)).decode())


def test_tokens_with_characters_base64_would_skip_are_refused() -> None:
    token = issue_card_token(5, NOW, SECRET)
    for noise in ("!", "+", "/", "=", "é", "\u0660"):
        with pytest.raises(CardTokenInvalid):
            _verify(token[:10] + noise + token[11:])


def test_issue_refuses_bad_arguments() -> None:
    with pytest.raises(ValueError):
        issue_card_token(0, NOW, SECRET)
    with pytest.raises(ValueError):
        issue_card_token(-1, NOW, SECRET)
    with pytest.raises(ValueError):
        issue_card_token(1, datetime(2025, 1, 1), SECRET)
    with pytest.raises(ValueError):
        issue_card_token(1, NOW, b"")


@settings(max_examples=500)
@given(st.text(max_size=80))
def test_random_text_raises_only_the_two_domain_errors(text: str) -> None:
    with contextlib.suppress(CardTokenInvalid, CardTokenExpired):
        _verify(text)


@settings(max_examples=500)
@given(st.text(alphabet=BASE64URL, min_size=TOKEN_LENGTH, max_size=TOKEN_LENGTH))
def test_random_well_formed_tokens_are_refused(text: str) -> None:
    with pytest.raises(DomainError) as caught:
        _verify(text)
    assert isinstance(caught.value, CardTokenInvalid | CardTokenExpired)


@given(
    st.integers(min_value=1, max_value=2**64 - 1),
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
    ),
)
def test_any_member_and_time_round_trip(member_id: int, issued: datetime) -> None:
    token = issue_card_token(member_id, issued, SECRET)
    assert DEEP_LINK_PAYLOAD.fullmatch(CARD_START_PREFIX + token)
    assert verify_card_token(token, issued, SECRET, TTL) == member_id


# --- typed card code --------------------------------------------------------------------------


def test_card_code_is_ten_digits_with_a_luhn_check_digit() -> None:
    code = card_code_for(1, SECRET)
    assert len(code) == CARD_CODE_LENGTH == 10
    assert code.isdigit()
    assert parse_card_code(code) == code


def test_luhn_check_digit_matches_the_reference_example() -> None:
    # The textbook example: 7992739871 gets the check digit 3.
    assert _luhn_check_digit("7992739871") == 3
    assert _luhn_check_digit("000000000") == 0


def test_card_code_round_trips_to_the_member_id() -> None:
    for member_id in [1, 2, 3, 99, 1000, 123_456, MAX_CARD_CODE_MEMBER_ID]:
        code = card_code_for(member_id, SECRET)
        assert member_id_from_card_code(code, SECRET) == member_id


def test_card_codes_are_unique_and_unrelated_for_neighbours() -> None:
    codes = [card_code_for(member_id, SECRET) for member_id in range(1, 5001)]
    assert len(set(codes)) == len(codes)
    assert codes[:100] != sorted(codes[:100])


def test_card_code_depends_on_the_secret() -> None:
    assert card_code_for(42, SECRET) != card_code_for(42, OTHER_SECRET)
    assert member_id_from_card_code(card_code_for(42, SECRET), OTHER_SECRET) != 42


@pytest.mark.parametrize(
    "spelling",
    ["{a} {b} {c}", "{a}-{b}-{c}", " {a}{b}{c} ", "{a}\u00a0{b}\u2013{c}", "{a} - {b} - {c}"],
)
def test_parse_card_code_ignores_spaces_and_dashes(spelling: str) -> None:
    code = card_code_for(777, SECRET)
    text = spelling.format(a=code[:3], b=code[3:6], c=code[6:])
    assert parse_card_code(text) == code
    assert member_id_from_card_code(text, SECRET) == 777


def test_formatted_card_code_parses_back() -> None:
    code = card_code_for(31337, SECRET)
    assert format_card_code(code) == f"{code[:3]} {code[3:6]} {code[6:]}"
    assert parse_card_code(format_card_code(code)) == code


def test_parse_card_code_refuses_typos_and_junk() -> None:
    code = card_code_for(31337, SECRET)
    for position in range(len(code)):
        wrong = str((int(code[position]) + 1) % 10)
        assert parse_card_code(code[:position] + wrong + code[position + 1 :]) is None
    swapped = code[1] + code[0] + code[2:]
    if swapped != code and code[:2] not in ("09", "90"):
        assert parse_card_code(swapped) is None
    for junk in ["", "12345", code + "0", code[:-1], "abcdefghij", "١٢٣٤٥٦٧٨٩٠", "1" * 1000]:
        assert parse_card_code(junk) is None
        assert member_id_from_card_code(junk, SECRET) is None


def test_card_code_refuses_ids_out_of_range() -> None:
    with pytest.raises(ValueError):
        card_code_for(0, SECRET)
    with pytest.raises(ValueError):
        card_code_for(MAX_CARD_CODE_MEMBER_ID + 1, SECRET)


@given(st.text(max_size=60))
def test_parse_card_code_never_raises(text: str) -> None:
    result = parse_card_code(text)
    assert result is None or (len(result) == CARD_CODE_LENGTH and result.isdigit())
