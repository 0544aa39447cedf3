from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.program_file import ProgramFileError, parse_program
from bot.domain.program import ProgramModel, RewardReason
from bot.domain.surveys import QuestionKind

EXAMPLE = (Path(__file__).resolve().parents[2] / "program.toml").read_text(encoding="utf-8")


def test_example_program_converts_to_exact_integers() -> None:
    program = parse_program(EXAMPLE)
    assert program.model is ProgramModel.COMBINED
    gold = program.tier("gold")
    assert gold is not None
    assert (gold.threshold, gold.earn_rate_bp, gold.discount_bp) == (1_500_000, 500, 300)
    assert program.category("coffee").multiplier_pct == 200  # type: ignore[union-attr]
    assert program.redeem.max_share_bp == 3000
    assert program.redeem.point_value == 100
    assert program.earn.min_purchase == 10_000
    assert program.reward(RewardReason.WELCOME) == 100
    assert program.limits.max_purchase_amount == 10_000_000
    assert program.sources["poster"]["en"] == "Poster in the café"


@pytest.mark.parametrize(
    ("old", "new", "field", "reason"),
    [
        ("min_purchase = 100 ", "min_purchase = 99.999 ", "points.min_purchase", "decimals"),
        ("earn_percent = 5\n", "earn_percent = -5\n", "tiers.levels.1.earn_percent", "percent"),
        ('model = "combined"', 'model = "cashback"', "program.model", "points"),
        ("threshold = 15000", "threshold = 60000", "tiers", "higher threshold"),
        ("[rewards]", "[rewards]\nwelcom = 5", "rewards.welcom", "not permitted"),
        ('timezone = "Europe/Moscow"', 'timezone = "Mars/Olympus"', "program.timezone", "zone"),
        ('code = "coffee"', 'code = "Coffee!"', "categories.0.code", "pattern"),
    ],
)
def test_bad_program_names_the_field_and_the_reason(
    old: str, new: str, field: str, reason: str
) -> None:
    assert old in EXAMPLE
    with pytest.raises(ProgramFileError) as caught:
        parse_program(EXAMPLE.replace(old, new, 1), "shop.toml")
    assert caught.value.path == "shop.toml"
    assert caught.value.field == field
    assert reason in caught.value.reason


def test_broken_toml_is_reported_as_such() -> None:
    with pytest.raises(ProgramFileError) as caught:
        parse_program("[program\nname = 1", "shop.toml")
    assert "not valid TOML" in str(caught.value)


def test_surveys_referrals_and_the_channel_are_read() -> None:
    program = parse_program(EXAMPLE)
    assert program.referrals.min_purchase == 30_000 and program.referrals.monthly_cap == 10
    assert program.channel is not None and program.channel.chat_id == "@coffee_and_co"
    visit = program.survey("visit")
    assert visit is not None
    assert [q.kind for q in visit.questions] == list(QuestionKind)


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ('kind = "rating"', 'kind = "slider"', "Input should be"),
        ('audience = "all"', 'audience = "tier"', "goes with a tier"),
        ('id = "drink"', 'id = "taste"', "question ids must be unique"),
        ("ends = 2027-12-31", "ends = 2025-12-31", "ends before it starts"),
        ('id = "visit"', 'id = "Visit!"', "pattern"),
    ],
)
def test_bad_surveys_are_refused(old: str, new: str, reason: str) -> None:
    assert old in EXAMPLE
    with pytest.raises(ProgramFileError, match=reason):
        parse_program(EXAMPLE.replace(old, new, 1))


def test_the_post_purchase_rating_is_read_and_off_by_default() -> None:
    rating = parse_program(EXAMPLE).post_purchase_rating
    assert (rating.enabled, rating.delay_minutes) == (False, 60)
    assert rating.question["en"].startswith("How was your visit")
    switched_on = parse_program(EXAMPLE.replace("enabled = false\ndelay", "enabled = true\ndelay"))
    assert switched_on.post_purchase_rating.enabled


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("delay_minutes = 60", "delay_minutes = -1", "greater than or equal to 0"),
        ("delay_minutes = 60", "delay_minutes = 20000", "less than or equal to 10080"),
        ("enabled = false\ndelay", "enabled = 2\ndelay", "valid boolean"),
    ],
)
def test_a_bad_post_purchase_rating_is_refused(old: str, new: str, reason: str) -> None:
    assert old in EXAMPLE
    with pytest.raises(ProgramFileError) as caught:
        parse_program(EXAMPLE.replace(old, new))
    assert reason in str(caught.value)


def test_an_enabled_rating_needs_a_question() -> None:
    start = EXAMPLE.index("[post_purchase_rating]")
    end = EXAMPLE.index("\n\n", start)
    section = "[post_purchase_rating]\nenabled = true\ndelay_minutes = 5"
    with pytest.raises(ProgramFileError) as caught:
        parse_program(EXAMPLE[:start] + section + EXAMPLE[end:])
    assert "needs a question" in str(caught.value)


def test_the_daily_digest_is_read_off_by_default_and_its_hour_checked() -> None:
    program = parse_program(EXAMPLE)
    assert (program.digest.enabled, program.digest.hour) == (True, 9)
    without = EXAMPLE.replace("[digest]\nenabled = true\nhour = 9\n", "")
    assert parse_program(without).digest.enabled is False
    with pytest.raises(ProgramFileError) as refused:
        parse_program(EXAMPLE.replace("[digest]\nenabled = true\nhour = 9", "[digest]\nhour = 24"))
    assert refused.value.field == "digest.hour"
