"""Membership use cases: opening the bot, language."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from bot.domain.members import Member, NewMember
from bot.domain.ports import Clock, UnitOfWorkFactory
from bot.domain.program import Program

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True, slots=True)
class Visitor:
    """Who opened the bot, as Telegram reports it."""

    telegram_id: int
    first_name: str | None
    last_name: str | None
    username: str | None
    locale: str


def parse_source(payload: str | None, program: Program) -> str:
    """`src_<code>` -> the code when the program lists it, `other` when it does not,
    `direct` without a source payload. Payloads never grant anything."""
    if not payload or not payload.startswith("src_"):
        return "direct"
    code = payload.removeprefix("src_")
    return code if code in program.sources else "other"


class Membership:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, program: Program) -> None:
        self._uow = uow
        self._clock = clock
        self._program = program

    async def open(self, visitor: Visitor, payload: str | None = None) -> Member:
        """The member behind a Telegram user, created on their first visit.

        - a second visit never creates a second member (Telegram id is unique);
        - the joining channel comes from the first visit's payload only.
        """
        async with self._uow() as uow:
            member = await uow.members.by_telegram_id(visitor.telegram_id)
            if member is not None:
                return member
            new = NewMember(
                telegram_id=visitor.telegram_id,
                locale=visitor.locale,
                first_name=visitor.first_name,
                last_name=visitor.last_name,
                username=visitor.username,
                source=parse_source(payload, self._program),
                card_code=_random_digits(10),
                referral_code=_random_code(8),
                tier_code=self._program.base_tier.code if self._program.tiers.levels else "",
            )
            created = await uow.members.add(new, self._clock.now())
            if created is not None:
                return created
            # Another update of the same user created the member first.
            existing = await uow.members.by_telegram_id(visitor.telegram_id)
            assert existing is not None
            return existing

    async def locale_of(self, telegram_id: int) -> str | None:
        async with self._uow() as uow:
            member = await uow.members.by_telegram_id(telegram_id)
            return member.locale if member else None

    async def set_locale(self, member_id: int, locale: str) -> None:
        async with self._uow() as uow:
            await uow.members.set_locale(member_id, locale)


def _random_digits(length: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(length))


def _random_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
