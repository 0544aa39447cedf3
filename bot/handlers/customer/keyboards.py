"""The customer's keyboards and callback data, and a filter for reply-keyboard buttons.

Callback data carries no member id: the member is always the sender of the callback.
"""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

from bot.adapters.i18n import I18n, Translator
from bot.domain.members import Member

JOIN_AGREE = "join:agree"
CARD_REFRESH = "card:refresh"
MARKETING_ON = "mkt:on"
MARKETING_OFF = "mkt:off"
BIRTHDAY = "settings:birthday"
EXPORT = "data:export"
GIFT = "gift:enter"
FORGET = "data:forget"
FORGET_YES = "data:forget:yes"
FORGET_NO = "data:forget:no"


class JoinLanguage(CallbackData, prefix="jl"):
    """A language button on the consent message: re-renders that message in place."""

    code: str


class Language(CallbackData, prefix="lang"):
    """A language button from /language or the settings."""

    code: str


class HistoryPage(CallbackData, prefix="hist"):
    page: int


class Button(Filter):
    """A reply-keyboard button press, in any language (the keyboard may predate a language
    change)."""

    def __init__(self, key: str) -> None:
        self.key = key

    async def __call__(self, message: Message, i18n: I18n) -> bool:
        return message.text is not None and message.text in button_texts(i18n, self.key)


def button_texts(i18n: I18n, key: str) -> set[str]:
    return {i18n(locale)(key) for locale in i18n.locales}


def _language_row(
    t: Translator, locales: tuple[str, ...], factory: Any
) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(text=t(f"lang-{code}"), callback_data=factory(code=code).pack())
        for code in locales
    ]


def consent_keyboard(t: Translator, locales: tuple[str, ...]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=t("consent-agree"), callback_data=JOIN_AGREE)],
            _language_row(t, locales, JoinLanguage),
        ]
    )


def language_keyboard(t: Translator, locales: tuple[str, ...]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[_language_row(t, locales, Language)])


def phone_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=t("join-share-phone"), request_contact=True)]],
        resize_keyboard=True,
    )


def single_button_keyboard(text: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text=text)]], resize_keyboard=True)


def main_menu(t: Translator, *, surveys: bool = False) -> ReplyKeyboardMarkup:
    """`surveys`: a survey is open to the member now (the button shows only then)."""
    social = [KeyboardButton(text=t("menu-invite"))]
    if surveys:
        social.append(KeyboardButton(text=t("menu-surveys")))
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=t("menu-card")), KeyboardButton(text=t("menu-balance"))],
            [KeyboardButton(text=t("menu-offers")), KeyboardButton(text=t("menu-history"))],
            social,
            [KeyboardButton(text=t("menu-settings"))],
        ],
        resize_keyboard=True,
        is_persistent=True,
    )


def card_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t("card-refresh"), callback_data=CARD_REFRESH)]]
    )


def settings_keyboard(
    t: Translator, locales: tuple[str, ...], member: Member
) -> InlineKeyboardMarkup:
    marketing = (
        InlineKeyboardButton(text=t("settings-marketing-turn-off"), callback_data=MARKETING_OFF)
        if member.marketing_opt_in
        else InlineKeyboardButton(text=t("settings-marketing-turn-on"), callback_data=MARKETING_ON)
    )
    rows = [_language_row(t, locales, Language), [marketing]]
    if member.birthday is None:
        rows.append([InlineKeyboardButton(text=t("settings-birthday"), callback_data=BIRTHDAY)])
    rows.append([InlineKeyboardButton(text=t("settings-gift"), callback_data=GIFT)])
    rows.append([InlineKeyboardButton(text=t("settings-export"), callback_data=EXPORT)])
    rows.append([InlineKeyboardButton(text=t("settings-forget"), callback_data=FORGET)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def forget_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=t("forget-yes"), callback_data=FORGET_YES),
                InlineKeyboardButton(text=t("forget-no"), callback_data=FORGET_NO),
            ]
        ]
    )


def history_keyboard(page: int, pages: int) -> InlineKeyboardMarkup | None:
    buttons = []
    if page > 0:
        buttons.append(
            InlineKeyboardButton(text="◀", callback_data=HistoryPage(page=page - 1).pack())
        )
    if page + 1 < pages:
        buttons.append(
            InlineKeyboardButton(text="▶", callback_data=HistoryPage(page=page + 1).pack())
        )
    return InlineKeyboardMarkup(inline_keyboard=[buttons]) if buttons else None
