from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.ledger import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    ActorType,
    EntryReason,
    LedgerEntry,
    idempotency_key,
    reward_entry_reason,
)
from bot.domain.program import RewardReason


def test_every_reward_has_a_ledger_reason() -> None:
    for reason in RewardReason:
        assert reward_entry_reason(reason).value == reason.value


def test_reasons_fit_the_column() -> None:
    assert all(len(reason.value) <= 32 for reason in EntryReason)
    assert all(len(actor.value) <= 16 for actor in ActorType)


def test_entry_is_immutable() -> None:
    entry = LedgerEntry(
        id=1,
        member_id=7,
        amount=22,
        reason=EntryReason.PURCHASE,
        idempotency_key="purchase:123:earn",
        balance_after=122,
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
        actor_type=ActorType.STAFF,
        actor_id=3,
        purchase_id=123,
    )
    with pytest.raises(AttributeError):
        entry.amount = 1000  # type: ignore[misc]


def test_idempotency_key_joins_its_parts() -> None:
    assert idempotency_key("purchase", 123, "earn") == "purchase:123:earn"


def test_idempotency_key_escapes_the_separator() -> None:
    assert idempotency_key("pos", "a:b", "c") != idempotency_key("pos", "a", "b:c")
    assert idempotency_key("pos", "a:b") == "pos:a%3Ab"


def test_long_idempotency_key_is_hashed_to_fit() -> None:
    key = idempotency_key("pos", "x" * 500)
    assert len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH
    assert key.startswith("pos%sha256:")
    assert key == idempotency_key("pos", "x" * 500)


@pytest.mark.parametrize("parts", [(), ("a", True), ("a", 1.5)])
def test_idempotency_key_refuses_bad_parts(parts: tuple[object, ...]) -> None:
    with pytest.raises((ValueError, TypeError)):
        idempotency_key(*parts)  # type: ignore[arg-type]


parts = st.lists(st.text() | st.integers(), min_size=1, max_size=4).map(tuple)


@given(parts, parts)
def test_different_parts_give_different_keys(
    a: tuple[str | int, ...], b: tuple[str | int, ...]
) -> None:
    normal_a = tuple(str(p) for p in a)
    normal_b = tuple(str(p) for p in b)
    key_a, key_b = idempotency_key(*a), idempotency_key(*b)
    assert len(key_a) <= IDEMPOTENCY_KEY_MAX_LENGTH
    assert (key_a == key_b) == (normal_a == normal_b)
