"""Start-up problems end the process with exit code 2 and one line naming what is wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_URL"}}
    clean.update(env)
    clean.setdefault("PROGRAM_FILE", str(ROOT / "program.toml"))
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,  # no .env there
        env={**clean, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def only_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_missing_token_fails_with_one_line(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "check")
    assert result.returncode == 2
    assert only_line(result).startswith("error: BOT_TOKEN: not set")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("mysql://localhost/x", "must start with sqlite:// or postgres://"),
        ("postgres://", "needs a host and a database name"),
        ("not a url", "must start with sqlite:// or postgres://"),
    ],
)
def test_malformed_database_url_fails_with_one_line(tmp_path: Path, url: str, reason: str) -> None:
    result = run_cli(tmp_path, "check", BOT_TOKEN="1:x", DATABASE_URL=url)
    assert result.returncode == 2
    line = only_line(result)
    assert line.startswith("error: DATABASE_URL:")
    assert reason in line


def test_invalid_program_file_names_file_field_and_reason(tmp_path: Path) -> None:
    program = tmp_path / "broken.toml"
    text = (ROOT / "program.toml").read_text(encoding="utf-8")
    program.write_text(text.replace("redeem_max_share = 30", "redeem_max_share = 130"))
    result = run_cli(tmp_path, "check", BOT_TOKEN="1:x", PROGRAM_FILE=str(program))
    assert result.returncode == 2
    line = only_line(result)
    assert str(program) in line
    assert "points.redeem_max_share: must be a percent between 0 and 100" in line


def test_missing_program_file(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "check", BOT_TOKEN="1:x", PROGRAM_FILE="nope.toml")
    assert result.returncode == 2
    assert "nope.toml" in only_line(result)
    assert "file not found" in only_line(result)


def test_valid_configuration_passes_check(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "check", BOT_TOKEN="1:x")
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout
