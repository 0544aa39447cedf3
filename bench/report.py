"""Where every benchmark writes its figures: one "## <Title>" section of docs/PERFORMANCE.md."""

from __future__ import annotations

from pathlib import Path

PERFORMANCE = Path(__file__).resolve().parents[1] / "docs" / "PERFORMANCE.md"
NOTES = "<!-- notes -->"


def write_section(section: str, path: Path = PERFORMANCE) -> None:
    """Replace the section whose heading is `section`'s first line (or add it at the end).

    Only the figures are replaced: hand-written notes after the section's `<!-- notes -->`
    marker stay, and so does every other section. Sections are kept one blank line apart.
    """
    heading = section.split("\n", 1)[0]
    if not heading.startswith("## "):
        raise ValueError(f"a section starts with its '## ' heading, not {heading!r}")
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    start = text.find(heading + "\n")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        end = len(text) if end == -1 else end + 1
        notes = text.find(NOTES, start, end)
        kept = section.rstrip("\n") + "\n\n"
        if notes != -1:
            kept += text[notes:end].rstrip("\n") + "\n\n"
        text = text[:start] + kept + text[end:]
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def publish(section: str, *, write: bool) -> None:
    """Print a benchmark's section and, unless told not to (`--no-write`), write it."""
    print()
    print(section)
    if write:
        write_section(section)
        print("written to docs/PERFORMANCE.md")
