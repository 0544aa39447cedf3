#!/usr/bin/env python3
"""Set-up and everyday commands; needs nothing but Python >= 3.11.

    python3 dev.py run     run the bot (with no BOT_TOKEN: the local sandbox and a demo)
    python3 dev.py test    install what is needed, then lint, type-check and run the tests

Each command first makes `.venv` match `uv.lock` exactly (uv, pinned, installed into the venv).
Extra arguments after `test` go to pytest; after `run`, to `python -m bot`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
UV_VERSION = "0.13.9"


def sh(*command: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(part) for part in command), flush=True)
    result = subprocess.run([str(part) for part in command], cwd=ROOT, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def venv_works() -> bool:
    try:
        return subprocess.run([PYTHON, "-c", "import sys"], capture_output=True).returncode == 0
    except OSError:
        return False


def ensure_environment() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs before the venv exists
        sys.exit("Python 3.11 or newer is needed")
    if not venv_works():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    uv = BIN / "uv"
    version = (
        subprocess.run([uv, "--version"], capture_output=True, text=True) if uv.exists() else None
    )
    if version is None or UV_VERSION not in version.stdout:
        sh(
            PYTHON,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"uv=={UV_VERSION}",
        )
    # --frozen: install exactly the lock file; --inexact: leave tools a test installs alone.
    sh(
        uv,
        "sync",
        "--frozen",
        "--inexact",
        "--all-extras",
        "--quiet",
        env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(VENV)},
    )


def has_token() -> bool:
    if os.environ.get("BOT_TOKEN"):
        return True
    dotenv = ROOT / ".env"
    if dotenv.exists():
        for line in dotenv.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "BOT_TOKEN" and value.strip().strip("\"'"):
                return True
    return False


def run(args: list[str]) -> None:
    ensure_environment()
    command = args or (["run"] if has_token() else ["sandbox"])
    os.execv(PYTHON, [str(PYTHON), "-m", "bot", *command])


def test(args: list[str]) -> None:
    ensure_environment()
    sh(BIN / "ruff", "check", "bot", "tests", "bench", "dev.py")
    sh(BIN / "ruff", "format", "--check", "bot", "tests", "bench", "dev.py")
    sh(BIN / "lint-imports")
    sh(BIN / "mypy")
    sh(PYTHON, "-m", "pytest", *args)


def main() -> None:
    commands = {"run": run, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
