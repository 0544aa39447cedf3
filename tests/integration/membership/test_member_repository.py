"""The member repository's guarded writes on the real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.adapters.db.uow import tortoise_uow_factory
from bot.domain.members import MemberStatus, NewMember

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def new_member(telegram_id: int) -> NewMember:
    return NewMember(
        telegram_id=telegram_id,
        locale="ru",
        first_name="Anna",
        last_name=None,
        username=None,
        source="direct",
        card_code=f"~{telegram_id:010d}",
        referral_code=f"R{telegram_id}",
        tier_code="silver",
    )


async def test_a_phone_claimed_twice_is_refused_and_the_transaction_stays_usable(
    database_url: str,
) -> None:
    async with tortoise_uow_factory() as uow:
        first = await uow.members.add(new_member(1), NOW)
        second = await uow.members.add(new_member(2), NOW)
        assert first and second
        assert await uow.members.set_phone(first.id, "+79990000001") is True
        assert await uow.members.set_phone(second.id, "+79990000001") is False
        # The savepoint kept the transaction usable (PostgreSQL aborts it otherwise).
        await uow.members.record_consent(second.id, NOW)

    async with tortoise_uow_factory() as uow:
        assert (await uow.members.get(second.id)).consented_at == NOW  # type: ignore[union-attr]
        assert (await uow.members.get(second.id)).phone is None  # type: ignore[union-attr]


async def test_activation_happens_once_and_forgetting_frees_the_phone(database_url: str) -> None:
    async with tortoise_uow_factory() as uow:
        member = await uow.members.add(new_member(3), NOW)
        assert member
        await uow.members.set_phone(member.id, "+79990000003")
        assert await uow.members.activate(member.id, None, NOW) is True
        assert await uow.members.activate(member.id, None, NOW) is False
        await uow.members.forget(member.id, NOW)
        assert await uow.members.phone_owner("+79990000003") is None
        assert await uow.members.by_telegram_id(3) is None
        forgotten = await uow.members.get(member.id)
        assert forgotten and forgotten.status is MemberStatus.FORGOTTEN
