"""What the customer is told after a till operation, whichever front end recorded it (the bot's
till, the Mini App): one message content, rendered in the customer's language when sent."""

from __future__ import annotations

from bot.domain.delivery import MessageContent
from bot.services.purchases import PurchaseResult


def receipt_message(result: PurchaseResult) -> MessageContent:
    """The customer's receipt: the check, the points earned, the balance, the way to the next
    tier, and the congratulations when this purchase lifted the member to a higher tier.

    `*_money` variables are minor units, formatted in the program's currency when sent;
    `*_tier` variables are tier codes, shown as the tier's name in the member's language."""
    has_next = result.next_tier_code is not None and bool(result.money_to_next_tier)
    return MessageContent(
        "receipt-purchase",
        {
            "amount_money": result.amount,
            "earned": result.points_earned,
            "balance": result.balance,
            "upgraded": "yes" if result.tier_upgraded else "no",
            "new_tier": result.tier_code,
            "has_next": "yes" if has_next else "no",
            "to_next_money": result.money_to_next_tier or 0,
            "next_tier": result.next_tier_code or "",
        },
    )
