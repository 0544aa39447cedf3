"""Every locale has the same keys, and each key uses the same variables in every locale."""

from __future__ import annotations

from pathlib import Path

from fluent.syntax import FluentParser, ast, visitor

from bot.adapters.i18n import LOCALES_DIR, I18n


class _Variables(visitor.Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_VariableReference(self, node: ast.VariableReference) -> None:
        self.names.add(node.id.name)


def messages(locale_dir: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for file in sorted(locale_dir.glob("*.ftl")):
        resource = FluentParser().parse(file.read_text(encoding="utf-8"))
        junk = [entry for entry in resource.body if isinstance(entry, ast.Junk)]
        assert not junk, f"{file}: syntax error near {junk[0].content[:60]!r}"
        for entry in resource.body:
            if isinstance(entry, ast.Message):
                assert entry.id.name not in found, f"{file}: duplicate key {entry.id.name}"
                names = _Variables()
                names.visit(entry)
                found[entry.id.name] = names.names
    return found


def test_ru_and_en_have_the_same_keys_and_variables() -> None:
    locales = {d.name: messages(d) for d in LOCALES_DIR.iterdir() if d.is_dir()}
    assert set(locales) == {"ru", "en"}
    ru, en = locales["ru"], locales["en"]
    assert sorted(set(ru) ^ set(en)) == [], "keys present in only one locale"
    different = {key: (ru[key], en[key]) for key in ru if ru[key] != en[key]}
    assert different == {}, "keys whose variables differ between locales"


def test_points_use_the_plural_forms_of_each_language() -> None:
    i18n = I18n("ru")
    ru = [i18n("ru")("points", count=n) for n in (1, 2, 5, 11, 21, 1200)]
    en = [i18n("en")("points", count=n) for n in (1, 2, 1200)]
    assert ru == ["1 балл", "2 балла", "5 баллов", "11 баллов", "21 балл", "1\xa0200 баллов"]
    assert en == ["1 point", "2 points", "1,200 points"]


def test_money_is_formatted_per_locale_from_minor_units() -> None:
    i18n = I18n("ru")
    assert i18n("ru").money(120_000, "RUB") == "1\xa0200\xa0₽"
    assert i18n("ru").money(120_050, "RUB") == "1\xa0200,50\xa0₽"
    assert i18n("en").money(120_050, "USD") == "$1,200.50"
    assert i18n("en").money(99, "USD") == "$0.99"
    assert i18n("en").money(1_500_000, "RUB") == "15,000\xa0₽"


def test_missing_key_returns_the_key_instead_of_crashing() -> None:
    assert I18n("ru")("ru")("no-such-key") == "no-such-key"


def test_client_language_codes_map_to_supported_locales() -> None:
    i18n = I18n("ru")
    assert [i18n.pick(c) for c in ("en", "en-GB", "RU", "de", None, "")] == [
        "en",
        "en",
        "ru",
        "ru",
        "ru",
        "ru",
    ]
