"""The sender's pacing settings: validated, and what the sender is built with."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.bootstrap import sender_config
from bot.config import Settings


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, bot_token="42:TEST", **values)  # type: ignore[arg-type]


def test_margin_and_expected_latency_reach_the_sender() -> None:
    config = sender_config(
        settings(delivery_paid_broadcast=True, delivery_margin=0.05, delivery_expected_latency=0.1)
    )

    assert config.margin == 0.05
    assert config.paced_rate == pytest.approx(1000 / 1.05)  # the margin is paid in rate
    assert config.worker_count() == 150  # 1000/s × 100 ms × 1.5 in flight


def test_defaults_keep_the_documented_pacing() -> None:
    config = sender_config(settings())

    assert (config.margin, config.expected_latency) == (0.02, 0.2)
    assert config.worker_count() == 9  # 30/s × 200 ms × 1.5


def test_paid_mode_allows_more_jitter_by_default() -> None:
    paid = sender_config(settings(delivery_paid_broadcast=True))

    assert paid.margin == 0.05
    assert paid.paced_rate == pytest.approx(1000 / 1.05)
    # An explicit DELIVERY_MARGIN wins in either mode.
    assert (
        sender_config(settings(delivery_paid_broadcast=True, delivery_margin=0.01)).margin == 0.01
    )


@pytest.mark.parametrize(
    "values",
    [
        {"delivery_margin": -0.01},
        {"delivery_margin": 0.5},  # half a second of jitter would halve the rate
        {"delivery_expected_latency": 0},
        {"delivery_expected_latency": 10},
    ],
)
def test_out_of_range_pacing_is_refused(values: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        settings(**values)
