"""Fluent translations: one `Translator` per locale, usable anywhere (handlers, scheduler, web).

Every user-facing string lives in `locales/<locale>/*.ftl`. Numbers passed as variables are
formatted by Fluent with the locale's rules (Russian plurals: 1 балл, 2 балла, 5 баллов); money
is formatted here with Babel from integer minor units, never through floats.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel import Locale
from babel.numbers import (
    format_currency,
    format_decimal,
    get_currency_precision,
    get_currency_symbol,
)
from fluent.runtime import FluentBundle, FluentResource

from bot.domain.program import Localized, localized

log = logging.getLogger(__name__)

FALLBACK_SYMBOL_LOCALES = ("ru", "uk", "kk", "be")

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"


@dataclass(slots=True)
class Translator:
    locale: str
    bundle: FluentBundle = field(repr=False)

    def __call__(self, key: str, /, **variables: Any) -> str:
        """The text of `key`; a missing key yields the key itself (and a logged error) so a
        gap shows up in tests instead of crashing a conversation."""
        message = self.bundle.get_message(key) if self.bundle.has_message(key) else None
        if message is None or message.value is None:
            log.error("missing translation %s for %s", key, self.locale)
            return key
        text, errors = self.bundle.format_pattern(message.value, variables)
        for error in errors:
            log.error("translation %s/%s: %s", self.locale, key, error)
        return str(text)

    def render(
        self,
        key: str,
        variables: Mapping[str, Any],
        currency: str,
        tiers: Mapping[str, Localized] | None = None,
    ) -> str:
        """A message stored as data (an outbox row, a staff notice): variables named `*_money`
        are integer minor units, formatted here in `currency`; variables named `*_tier` are
        tier codes, shown as the tier's name in this locale (from `tiers`: code -> names; an
        unknown or empty code becomes "")."""
        values = {}
        for name, value in variables.items():
            if name.endswith("_money") and isinstance(value, int):
                value = self.money(value, currency)
            elif name.endswith("_tier") and tiers is not None:
                names = tiers.get(str(value))
                value = localized(names, self.locale) if names else ""
            values[name] = value
        return self(key, **values)

    def has(self, key: str) -> bool:
        return bool(self.bundle.has_message(key))

    def money(self, minor_units: int, currency: str) -> str:
        """120000 RUB -> "1 200 ₽" in ru, "1,200 ₽" in en; fractions only when there are some.

        Where the locale has no symbol of its own for the currency (English has none for the
        rouble and prints "RUB"), the symbol of the locales that do is placed after the number.
        """
        amount = Decimal(minor_units).scaleb(-get_currency_precision(currency))
        pattern = Locale.parse(self.locale).currency_formats["standard"].pattern
        if amount == amount.to_integral_value():
            pattern = pattern.replace(".00", "")
        symbol = get_currency_symbol(currency, self.locale)
        if symbol == currency:
            symbols = (get_currency_symbol(currency, other) for other in FALLBACK_SYMBOL_LOCALES)
            native = next((sym for sym in symbols if sym != currency), currency)
            if native != currency:
                number_pattern = pattern.replace("¤", "").replace("\xa0", "").strip()
                number = format_decimal(amount, format=number_pattern, locale=self.locale)
                return f"{number}\xa0{native}"
        return str(
            format_currency(
                amount, currency, format=pattern, locale=self.locale, currency_digits=False
            )
        )


class I18n:
    """The translators of every locale found under `locales/`."""

    def __init__(self, default_locale: str = "ru", directory: Path = LOCALES_DIR) -> None:
        self.default_locale = default_locale
        self._translators = {
            path.name: Translator(path.name, _load_bundle(path))
            for path in sorted(directory.iterdir())
            if path.is_dir()
        }
        if default_locale not in self._translators:
            raise ValueError(f"no translations for the default locale {default_locale!r}")

    @property
    def locales(self) -> tuple[str, ...]:
        return tuple(self._translators)

    def pick(self, language_code: str | None) -> str:
        """A supported locale for a Telegram client's language code ("en-GB" -> "en")."""
        code = (language_code or "").split("-")[0].lower()
        return code if code in self._translators else self.default_locale

    def __call__(self, locale: str | None) -> Translator:
        return self._translators.get(locale or "", self._translators[self.default_locale])


def _load_bundle(directory: Path) -> FluentBundle:
    bundle = FluentBundle([directory.name], use_isolating=False)
    for file in sorted(directory.glob("*.ftl")):
        bundle.add_resource(FluentResource(file.read_text(encoding="utf-8")))
    return bundle
