"""Messages stored as data (outbox rows, staff notices) are rendered with `*_money` variables
formatted from minor units."""

from __future__ import annotations

from bot.adapters.i18n import I18n


def test_money_variables_are_formatted_in_the_recipients_language() -> None:
    i18n = I18n("ru")
    variables = {"points": 100, "discount_money": 10_000, "check_money": 123_450, "minutes": 2}
    en = i18n("en").render("redeem-ask", variables, "RUB").replace("\xa0", " ")
    ru = i18n("ru").render("redeem-ask", variables, "RUB").replace("\xa0", " ")
    assert en == (
        "The cashier asks to redeem 100 points: 100 ₽ off your check of 1,234.50 ₽."
        " Please confirm within 2 min."
    )
    assert ru == (
        "Кассир просит списать 100 баллов: скидка 100 ₽ с вашего чека на 1 234,50 ₽."
        " Подтвердите в течение 2 мин."
    )


def test_other_variables_pass_unchanged() -> None:
    text = I18n("en")("en").render(
        "leaderboard-line",
        {"rank": 1, "name": "Carol", "registered": 2, "purchases": 12_000, "surveys": 3},
        "RUB",
    )
    assert text == "1. Carol — members registered: 2, purchases: 12,000, surveys: 3"
