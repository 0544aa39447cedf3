"""Webhook settings: EVENTS_URL needs EVENTS_SECRET and an http(s) URL, refused at start-up with
one line like every other setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_cli import only_line, run_cli


@pytest.mark.parametrize(
    ("env", "line"),
    [
        (
            {"EVENTS_URL": "https://partner.example/hooks"},
            "error: SETTINGS: EVENTS_SECRET is required when EVENTS_URL is set",
        ),
        (
            {"EVENTS_URL": "ftp://partner.example/hooks", "EVENTS_SECRET": "s"},
            "error: EVENTS_URL: must be an http(s) URL",
        ),
    ],
)
def test_bad_webhook_settings_stop_start_up_with_one_line(
    tmp_path: Path, env: dict[str, str], line: str
) -> None:
    result = run_cli(tmp_path, "check", BOT_TOKEN="1:x", **env)
    assert result.returncode == 2
    assert only_line(result) == line
