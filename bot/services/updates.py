"""De-duplication of inbound Telegram updates by `update_id`."""

from __future__ import annotations

from bot.domain.ports import Clock, UnitOfWorkFactory


class UpdateGuard:
    """Telegram re-delivers a webhook update when the answer was lost; a crash between handling
    and acknowledging does the same in polling. Each update id is claimed once, in its own
    committed transaction, before the update is handled; a failed handling releases the claim."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def claim(self, update_id: int) -> bool:
        async with self._uow() as uow:
            return await uow.updates.claim(update_id, self._clock.now())

    async def release(self, update_id: int) -> None:
        async with self._uow() as uow:
            await uow.updates.release(update_id)
