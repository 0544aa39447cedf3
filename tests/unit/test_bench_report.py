"""Benchmarks rewrite only their own section of docs/PERFORMANCE.md, keeping its notes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.report import write_section

BEFORE = """# Performance

## Ledger

old ledger figures
<!-- notes -->
hand-written ledger notes

## Broadcast

old broadcast figures
## QR card

qr figures
"""


def test_a_section_is_replaced_and_its_notes_and_neighbours_kept(tmp_path: Path) -> None:
    doc = tmp_path / "PERFORMANCE.md"
    doc.write_text(BEFORE, encoding="utf-8")

    write_section("## Ledger\n\nnew ledger figures\n", doc)
    write_section("## Broadcast\n\nnew broadcast figures", doc)

    assert doc.read_text(encoding="utf-8") == (
        "# Performance\n\n"
        "## Ledger\n\nnew ledger figures\n\n"
        "<!-- notes -->\nhand-written ledger notes\n\n"
        "## Broadcast\n\nnew broadcast figures\n\n"
        "## QR card\n\nqr figures\n"
    )


def test_a_new_section_is_added_at_the_end(tmp_path: Path) -> None:
    doc = tmp_path / "PERFORMANCE.md"
    doc.write_text("# Performance\n\n## Ledger\n\nfigures\n", encoding="utf-8")

    write_section("## Segments\n\nsegment figures\n", doc)

    assert doc.read_text(encoding="utf-8").endswith(
        "## Ledger\n\nfigures\n\n## Segments\n\nsegment figures\n"
    )


def test_a_section_without_its_heading_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_section("figures only", tmp_path / "PERFORMANCE.md")
