"""Queueing the post-purchase rating prompt, in the transaction that records the purchase.

It lives on the ledger's one purchase path (`Purchases.record_purchase`), so the till, the
Mini App and the POS API prompt alike, and a purchase and its prompt commit together. The
delay is the outbox row's `next_attempt_at`: the sender picks it up when it falls due, with no
scheduler job of its own. The member's tap is `Ratings.rate` (bot/services/ratings.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.delivery import KIND_PRIORITY, Button, DeliveryKind, MessageContent
from bot.domain.ports import UnitOfWork
from bot.domain.program import Program, localized
from bot.domain.surveys import RATING_RANGE

RATING_CALLBACK_PREFIX = "rate"
"""Callback data `rate:<prompt id>:<score>`; the service checks the prompt is the member's."""


def rating_message(prompt_id: int, question: str) -> MessageContent:
    return MessageContent(
        "rating-ask",
        {"question": question},
        buttons=(
            tuple(
                Button(
                    f"rating-score-{score}",
                    callback_data=f"{RATING_CALLBACK_PREFIX}:{prompt_id}:{score}",
                )
                for score in RATING_RANGE
            ),
        ),
    )


async def prompt_rating(
    uow: UnitOfWork, program: Program, member_id: int, purchase_id: int, now: datetime
) -> None:
    """Queue "rate your visit" for a purchase just recorded, when the program asks for it.

    - at most one prompt per member per calendar day (program time zone): a second purchase
      the same day is not prompted (the member's row lock held by the purchase makes the
      check and the insert race-free);
    - sent `delay_minutes` after the purchase, as a transactional message (the member's own
      purchase: no opt-out, weekly cap or quiet hours), the question in the member's
      language as it is now.
    """
    rules = program.post_purchase_rating
    if not rules.enabled:
        return
    local = now.astimezone(ZoneInfo(program.timezone))
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if await uow.surveys.rating_prompts_since(member_id, day_start):
        return
    member = await uow.members.get(member_id)
    if member is None or member.telegram_id is None:
        return
    prompt_id = await uow.surveys.add_rating_prompt(member_id, purchase_id, now)
    await uow.outbox.add(
        DeliveryKind.TRANSACTIONAL,
        member_id,
        rating_message(prompt_id, localized(rules.question, member.locale)),
        KIND_PRIORITY[DeliveryKind.TRANSACTIONAL],
        now,
        not_before=now + timedelta(minutes=rules.delay_minutes),
    )
